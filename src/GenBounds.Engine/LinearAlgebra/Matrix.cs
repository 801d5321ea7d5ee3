using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace GenBounds.LinearAlgebra;

/// <summary>
/// A dense row-major matrix of float32 or float64. Products go through an <see cref="ILinearAlgebraProvider"/>
/// (CBLAS by default), element-wise work through <see cref="TensorPrimitives"/>. The data array is exposed so engines
/// can hand it to BLAS without copies.
/// </summary>
public sealed class Matrix<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Wraps <paramref name="data"/> (not copied) as a <paramref name="rows"/>×<paramref name="cols"/> matrix.</summary>
    public Matrix(int rows, int cols, T[] data)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) throw new NotSupportedException("Matrix supports float and double");
        if (rows < 0 || cols < 0) throw new ArgumentOutOfRangeException(nameof(rows), $"dimensions must be non-negative ({rows}×{cols})");
        if (data.Length != (long)rows * cols) throw new ArgumentException($"{rows}×{cols} matrix needs {(long)rows * cols} values, got {data.Length}");
        Rows = rows; Cols = cols; Data = data;
    }

    /// <summary>A zero matrix.</summary>
    public Matrix(int rows, int cols) : this(rows, cols, new T[(long)rows * cols]) { }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }
    /// <summary>Number of columns.</summary>
    public int Cols { get; }
    /// <summary>Row-major storage.</summary>
    public T[] Data { get; }

    /// <summary>Entry (i, j).</summary>
    public T this[int i, int j]
    {
        get => Data[Index(i, j)];
        set => Data[Index(i, j)] = value;
    }

    private int Index(int i, int j)
    {
        if ((uint)i >= (uint)Rows || (uint)j >= (uint)Cols) throw new IndexOutOfRangeException($"({i}, {j}) outside {Rows}×{Cols}");
        return i * Cols + j;
    }

    /// <summary>Row i as a span.</summary>
    public Span<T> Row(int i) => Data.AsSpan(i * Cols, Cols);

    /// <summary>op(this)·op(other) through <paramref name="provider"/> (default: the process provider).</summary>
    public Matrix<T> Multiply(Matrix<T> other, Transpose transThis = Transpose.No, Transpose transOther = Transpose.No, ILinearAlgebraProvider? provider = null)
    {
        int m = transThis == Transpose.No ? Rows : Cols, k = transThis == Transpose.No ? Cols : Rows;
        int k2 = transOther == Transpose.No ? other.Rows : other.Cols, n = transOther == Transpose.No ? other.Cols : other.Rows;
        if (k != k2) throw new ArgumentException($"inner dimensions differ: {m}×{k} times {k2}×{n}");
        var c = new Matrix<T>(m, n);
        var p = provider ?? LinearAlgebraProviders.Default;
        if (typeof(T) == typeof(float))
            p.Gemm(transThis, transOther, m, n, k, 1f, MemoryMarshal.Cast<T, float>(Data.AsSpan()), Math.Max(1, Cols),
                MemoryMarshal.Cast<T, float>(other.Data.AsSpan()), Math.Max(1, other.Cols), 0f, MemoryMarshal.Cast<T, float>(c.Data.AsSpan()), Math.Max(1, n));
        else
            p.Gemm(transThis, transOther, m, n, k, 1.0, MemoryMarshal.Cast<T, double>(Data.AsSpan()), Math.Max(1, Cols),
                MemoryMarshal.Cast<T, double>(other.Data.AsSpan()), Math.Max(1, other.Cols), 0.0, MemoryMarshal.Cast<T, double>(c.Data.AsSpan()), Math.Max(1, n));
        return c;
    }

    /// <summary>The transpose (a copy).</summary>
    public Matrix<T> Transposed()
    {
        var t = new Matrix<T>(Cols, Rows);
        for (int i = 0; i < Rows; i++) for (int j = 0; j < Cols; j++) t.Data[j * Rows + i] = Data[i * Cols + j];
        return t;
    }

    /// <summary>‖A‖_F, accumulated in double.</summary>
    public double FrobeniusNorm()
    {
        double s = 0;
        foreach (var v in Data) { double d = double.CreateChecked(v); s += d * d; }
        return Math.Sqrt(s);
    }

    /// <summary>Singular values (descending), computed in float64 by LAPACK.</summary>
    public double[] SingularValues(ILinearAlgebraProvider? provider = null) =>
        (provider ?? LinearAlgebraProviders.Default).SingularValues(ToDouble().Data, Rows, Cols);

    /// <summary>‖A‖₂ = largest singular value (full SVD, not power iteration).</summary>
    public double SpectralNorm(ILinearAlgebraProvider? provider = null) => Rows == 0 || Cols == 0 ? 0 : SingularValues(provider)[0];

    /// <summary>Element-wise this + other.</summary>
    public Matrix<T> Add(Matrix<T> other)
    {
        RequireSameShape(other);
        var c = new Matrix<T>(Rows, Cols);
        TensorPrimitives.Add<T>(Data, other.Data, c.Data);
        return c;
    }

    /// <summary>Element-wise this − other.</summary>
    public Matrix<T> Subtract(Matrix<T> other)
    {
        RequireSameShape(other);
        var c = new Matrix<T>(Rows, Cols);
        TensorPrimitives.Subtract<T>(Data, other.Data, c.Data);
        return c;
    }

    /// <summary>s·this.</summary>
    public Matrix<T> Scale(T s)
    {
        var c = new Matrix<T>(Rows, Cols);
        TensorPrimitives.Multiply<T>(Data, s, c.Data);
        return c;
    }

    /// <summary>A float64 copy.</summary>
    public Matrix<double> ToDouble() => new(Rows, Cols, Array.ConvertAll(Data, v => double.CreateChecked(v)));

    /// <summary>A float32 copy (rounded).</summary>
    public Matrix<float> ToSingle() => new(Rows, Cols, Array.ConvertAll(Data, v => float.CreateChecked(v)));

    private void RequireSameShape(Matrix<T> other)
    {
        if (other.Rows != Rows || other.Cols != Cols) throw new ArgumentException($"shapes differ: {Rows}×{Cols} vs {other.Rows}×{other.Cols}");
    }
}
