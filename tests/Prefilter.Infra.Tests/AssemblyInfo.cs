// The Bicep CLI package these tests run is the linux-x64 build, and the deployment scripts are bash.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
