using System.Buffers;

namespace Prefilter.Engine.Meta;

/// <summary>Operations of a compiled meta expression, evaluated in postfix order on a value stack.</summary>
internal enum MetaOp : byte
{
    Constant,
    Reference,
    Not,
    Negate,
    Add,
    Subtract,
    Multiply,
    Divide,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
    NotEqual,
    And,
    Or,
}

/// <summary>One postfix step: <see cref="Constant"/> for constants, <see cref="Reference"/> indexes the references.</summary>
internal readonly record struct MetaInstruction(MetaOp Op, double Constant = 0, int Reference = 0);

/// <summary>Supplies the value of reference <c>i</c> (an index into <see cref="MetaExpression.References"/>).</summary>
internal interface IMetaValues
{
    double ValueOf(int reference);
}

/// <summary>Runs a postfix program. Generic over the value source so each source is specialised and nothing is boxed.</summary>
internal static class MetaProgram
{
    // Up to this depth the stack lives on the thread stack; deeper (pathological) programs rent from the pool.
    private const int StackallocLimit = 128;

    public static double Run<TValues>(MetaInstruction[] program, int maxStack, ref TValues values)
        where TValues : struct, IMetaValues, allows ref struct
    {
        if (maxStack <= StackallocLimit)
        {
            // Sized to the program: the runtime zeroes what it allocates, and a scan runs hundreds of metas.
            return Run(program, stackalloc double[maxStack], ref values);
        }

        var rented = ArrayPool<double>.Shared.Rent(maxStack);
        try
        {
            return Run(program, rented, ref values);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    private static double Run<TValues>(MetaInstruction[] program, scoped Span<double> stack, ref TValues values)
        where TValues : struct, IMetaValues, allows ref struct
    {
        var top = -1;
        foreach (var instruction in program)
        {
            switch (instruction.Op)
            {
                case MetaOp.Constant:
                    stack[++top] = instruction.Constant;
                    continue;
                case MetaOp.Reference:
                    stack[++top] = values.ValueOf(instruction.Reference);
                    continue;
                case MetaOp.Not:
                    stack[top] = Truth(!IsTrue(stack[top]));
                    continue;
                case MetaOp.Negate:
                    stack[top] = -stack[top];
                    continue;
            }

            var right = stack[top--];
            var left = stack[top];
            stack[top] = instruction.Op switch
            {
                MetaOp.Add => left + right,
                MetaOp.Subtract => left - right,
                MetaOp.Multiply => left * right,
                // SpamAssassin's Perl would die on a division by zero and the meta would not hit; 0 keeps that outcome
                // for the common "x / count" shapes without an exception on the scan path.
                MetaOp.Divide => right == 0 ? 0 : left / right,
                MetaOp.Less => Truth(left < right),
                MetaOp.LessOrEqual => Truth(left <= right),
                MetaOp.Greater => Truth(left > right),
                MetaOp.GreaterOrEqual => Truth(left >= right),
                MetaOp.Equal => Truth(left == right),
                MetaOp.NotEqual => Truth(left != right),
                MetaOp.And => Truth(IsTrue(left) && IsTrue(right)),
                MetaOp.Or => Truth(IsTrue(left) || IsTrue(right)),
                _ => throw new InvalidOperationException($"Unknown meta operation {instruction.Op}."),
            };
        }

        return stack[0];
    }

    public static bool IsTrue(double value) => value != 0 && !double.IsNaN(value);

    private static double Truth(bool value) => value ? 1 : 0;
}
