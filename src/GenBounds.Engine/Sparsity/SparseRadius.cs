namespace GenBounds.Sparsity;

/// <summary>
/// The sparse local radius and sparse local index set of one layer (Definitions 3 and 8, catalog SULAM-D3/D8):
/// r = σ(SORT(−u/(ξζ), s)) and I = TOP-K(−u/(ξζ), s), where u = W x is the clean pre-activation, SORT(v, j) the j-th largest
/// entry and TOP-K the indices of the s largest. In plain terms I holds the s most negative pre-activations and r is the
/// magnitude of the s-th most negative one, normalised and clipped at 0. Convention for s = 0 (catalog SULAM-N3): no set is
/// required and r = +∞. Ties in TOP-K (UNVERIFIED in the paper) are broken towards the lower index.
/// </summary>
public static class SparseRadius
{
    /// <summary>r(u, s) with normaliser <paramref name="scale"/> = ξζ &gt; 0 (O(d) selection).</summary>
    public static double Of(ReadOnlySpan<double> preactivation, int s, double scale)
    {
        int d = preactivation.Length;
        if (s < 0 || s > d) throw new ArgumentOutOfRangeException(nameof(s), $"sparsity {s} must lie in 0..{d}");
        if (!(scale > 0)) throw new ArgumentOutOfRangeException(nameof(scale), "the normaliser ξζ must be positive");
        if (s == 0) return double.PositiveInfinity;
        var tmp = preactivation.ToArray();
        Selection.Select(tmp, s - 1);
        return Math.Max(0, -tmp[s - 1]) / scale;
    }

    /// <summary>The radius from pre-activations sorted ascending (O(1)).</summary>
    public static double OfSorted(ReadOnlySpan<float> sortedAscending, int s, double scale)
    {
        if (s == 0) return double.PositiveInfinity;
        return Math.Max(0, -(double)sortedAscending[s - 1]) / scale;
    }

    /// <summary>I = the indices of the s smallest pre-activations (ties towards the lower index), ascending by value.</summary>
    public static int[] InactiveSet(ReadOnlySpan<double> preactivation, int s)
    {
        int d = preactivation.Length;
        if (s < 0 || s > d) throw new ArgumentOutOfRangeException(nameof(s), $"sparsity {s} must lie in 0..{d}");
        var idx = new int[d];
        for (int i = 0; i < d; i++) idx[i] = i;
        var keys = preactivation.ToArray();
        // A stable order: by value, then by index.
        Array.Sort(idx, (a, b) => keys[a] != keys[b] ? keys[a].CompareTo(keys[b]) : a.CompareTo(b));
        return idx[..s];
    }

    /// <summary>#{j : u_j &lt; threshold} in a row sorted ascending (binary search).</summary>
    public static int CountBelow(ReadOnlySpan<float> sortedAscending, double threshold)
    {
        int lo = 0, hi = sortedAscending.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (sortedAscending[mid] < threshold) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
