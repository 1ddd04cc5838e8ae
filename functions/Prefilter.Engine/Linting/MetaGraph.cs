using Prefilter.Engine.Meta;

namespace Prefilter.Engine.Linting;

/// <summary>Finds cycles among meta rules: a meta that, through other metas, depends on itself can never be evaluated.</summary>
internal static class MetaGraph
{
    /// <summary>
    /// Every cycle reachable in the graph, each as the path of ids from a rule back to itself (e.g. A, B, A),
    /// found by a depth-first search in document order; each back edge yields one cycle.
    /// </summary>
    public static List<string[]> FindCycles(IReadOnlyList<(string Id, MetaExpression Expression)> metas)
    {
        var edges = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (id, expression) in metas)
        {
            edges.TryAdd(id, expression.References);
        }

        var cycles = new List<string[]>();
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: on the current path, true: done
        var path = new List<string>();
        var frames = new Stack<(string Id, int Next)>();
        foreach (var (root, _) in metas)
        {
            if (state.ContainsKey(root))
            {
                continue;
            }

            // Iterative so that long meta chains cannot overflow the stack.
            state[root] = false;
            path.Add(root);
            frames.Push((root, 0));
            while (frames.Count > 0)
            {
                var (id, next) = frames.Pop();
                var references = edges[id];
                if (next == references.Count)
                {
                    state[id] = true;
                    path.RemoveAt(path.Count - 1);
                    continue;
                }

                frames.Push((id, next + 1));
                var target = references[next];
                if (!edges.ContainsKey(target))
                {
                    continue;
                }

                if (!state.TryGetValue(target, out var done))
                {
                    state[target] = false;
                    path.Add(target);
                    frames.Push((target, 0));
                }
                else if (!done)
                {
                    var start = path.IndexOf(target);
                    cycles.Add([.. path.Skip(start), target]);
                }
            }
        }

        return cycles;
    }
}
