using System.Net;
using Microsoft.Extensions.Configuration;

namespace Prefilter.Pipeline.Domains;

/// <summary>Resolves downstream credentials: the password comes from configuration under the name the policy gives.</summary>
public sealed class DownstreamSecrets
{
    private readonly IConfiguration configuration;

    /// <summary>Creates the resolver.</summary>
    /// <param name="configuration">App configuration (app settings, Key Vault references, user secrets).</param>
    public DownstreamSecrets(IConfiguration configuration)
    {
        this.configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));
    }

    /// <summary>The credential to authenticate with, or null when the downstream needs none.</summary>
    /// <param name="downstream">The downstream.</param>
    /// <exception cref="KeyNotFoundException">The named setting is missing or empty; the message names it (never the value).</exception>
    public NetworkCredential? Resolve(Downstream downstream)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        if (downstream.Credentials is not { } credentials)
        {
            return null;
        }

        var password = configuration[credentials.PasswordSecret];
        return string.IsNullOrEmpty(password)
            ? throw new KeyNotFoundException($"setting '{credentials.PasswordSecret}' (password of {credentials.Username} for downstream {downstream}) is missing or empty")
            : new NetworkCredential(credentials.Username, password);
    }
}
