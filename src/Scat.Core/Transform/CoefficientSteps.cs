
namespace Scat.Transform;

/// <summary>
/// The steps after the transform, the same for every backend (they read the engine's output, so the CPU and GPU
/// paths share them): renorm → rotation-invariant → pool → log, each only when asked. The input is the engine's
/// output for a batch: per plane (image channel) K maps of H' × W' in the layout's channel order. The output is
/// the features written: per plane <see cref="K"/> maps of <see cref="MapSize"/> floats. Definitions in
/// docs/SCATTERING.md. Each value depends only on its own plane, so never on the batch it came in.
/// </summary>
public sealed class CoefficientSteps
{
    private readonly ScatteringLayout _layout;
    private readonly CoefficientOptions _options;
    private readonly PoolMode _pool;
    private readonly double[] _cos = [], _sin = [];
    private float[] _rotated = [];

    public CoefficientSteps(ScatteringLayout layout, CoefficientOptions? options, PoolMode pool)
    {
        _layout = layout;
        _options = options ?? CoefficientOptions.Default;
        _pool = pool;
        Channels = _options.RotationInvariant ? RotationInvariantChannels(layout.J, layout.L, layout.Order) : layout.Channels;
        if (_options.RotationInvariant)
        {
            int l = layout.L, m = Frequencies(l);
            _cos = new double[m * l];
            _sin = new double[m * l];
            for (int f = 0; f < m; f++)
                for (int t = 0; t < l; t++)
                {
                    // The angle of e^{−2πi·f·t/L}, reduced mod L first so that equal angles give equal values.
                    double angle = 2 * Math.PI * (f * t % l) / l;
                    _cos[f * l + t] = Math.Cos(angle);
                    _sin[f * l + t] = Math.Sin(angle);
                }
        }
    }

    /// <summary>The channels of the output (the layout's, or the rotation-invariant ones).</summary>
    public IReadOnlyList<ChannelMeta> Channels { get; }
    /// <summary>Channels per plane in the output.</summary>
    public int K => Channels.Count;
    /// <summary>Whether the maps are pooled (the features then live in the pooled buffer given to Apply).</summary>
    public bool Pools => _pool != PoolMode.None;
    /// <summary>Floats per output map: H' · W', or 1 when pooled.</summary>
    public int MapSize => _pool == PoolMode.None ? _layout.OutPlaneSize : 1;
    /// <summary>Floats per plane in the output.</summary>
    public int FloatsPerPlane => K * MapSize;
    /// <summary>Nothing to do: the output is the engine's output itself.</summary>
    public bool IsIdentity => _pool == PoolMode.None && !_options.Renorm && !_options.RotationInvariant && !_options.Log;

    /// <summary>Angular frequencies m = 0..⌊L/2⌋ kept by the rotation-invariant step.</summary>
    public static int Frequencies(int l) => l / 2 + 1;

    /// <summary>
    /// The channels of a rotation-invariant output: order 0; order 1 (j1, m), j1 major; order 2 (j1, j2, δ, m)
    /// for j1 &lt; j2, j1 major, m minor. θ fields are −1.
    /// </summary>
    public static IReadOnlyList<ChannelMeta> RotationInvariantChannels(int j, int l, int order)
    {
        int m = Frequencies(l);
        var list = new List<ChannelMeta> { new(0, -1, -1, -1, -1) };
        for (int j1 = 0; j1 < j; j1++)
            for (int f = 0; f < m; f++)
                list.Add(new(1, j1, -1, -1, -1, -1, f));
        if (order == 2)
            for (int j1 = 0; j1 < j; j1++)
                for (int j2 = j1 + 1; j2 < j; j2++)
                    for (int d = 0; d < l; d++)
                        for (int f = 0; f < m; f++)
                            list.Add(new(2, j1, -1, j2, -1, d, f));
        return list;
    }

    /// <summary>
    /// Applies the steps to <paramref name="planeCount"/> planes of engine output and returns the features,
    /// planeCount · <see cref="FloatsPerPlane"/> floats: a prefix of <paramref name="transformed"/> (changed in
    /// place), or of <paramref name="pooledTarget"/> when pooling (planeCount · <see cref="K"/> floats).
    /// </summary>
    public Span<float> Apply(Span<float> transformed, int planeCount, Span<float> pooledTarget)
    {
        int p = _layout.OutPlaneSize, perPlane = _layout.OutputPerPlane;
        if (transformed.Length < (long)planeCount * perPlane) throw new ArgumentException("fewer floats than planeCount planes", nameof(transformed));
        Span<float> current = transformed[..(planeCount * perPlane)];
        if (IsIdentity) return current;
        if (_options.Renorm)
            for (int i = 0; i < planeCount; i++) Renormalise(current.Slice(i * perPlane, perPlane));
        if (_options.RotationInvariant)
        {
            // In place: plane i's K · p outputs go to [i · K · p, (i + 1) · K · p), which never reaches a later
            // plane's input (K ≤ the layout's channel count), through one plane of scratch.
            int outPer = K * p;
            if (_rotated.Length < outPer) _rotated = new float[outPer];
            for (int i = 0; i < planeCount; i++)
            {
                RotationInvariant(current.Slice(i * perPlane, perPlane), _rotated.AsSpan(0, outPer));
                _rotated.AsSpan(0, outPer).CopyTo(current.Slice(i * outPer, outPer));
            }
            current = current[..(planeCount * outPer)];
        }
        if (_pool != PoolMode.None)
        {
            if (pooledTarget.Length < planeCount * K) throw new ArgumentException("fewer floats than planeCount · K", nameof(pooledTarget));
            Pooling.Pool(_pool, current, p, pooledTarget[..(planeCount * K)]);
            current = pooledTarget[..(planeCount * K)];
        }
        if (_options.Log) Log(current);
        return current;
    }

    /// <summary><see cref="Apply(Span{float}, int, Span{float})"/> with a new pooled buffer when one is needed.</summary>
    public Span<float> Apply(Span<float> transformed, int planeCount) =>
        Apply(transformed, planeCount, _pool == PoolMode.None ? default : new float[planeCount * K]);

    /// <summary>
    /// S2 / (S1 + ε) with S1 its parent (same j1, θ1) and S1 / (S0 + ε), in float, position by position; the
    /// divisors are the transform's own (order 2 is done first, while order 1 is not yet renormalised).
    /// </summary>
    private void Renormalise(Span<float> s)
    {
        int p = _layout.OutPlaneSize, j = _layout.J, l = _layout.L;
        const float eps = CoefficientOptions.Epsilon;
        if (_layout.Order == 2)
            for (int j1 = 0; j1 < j; j1++)
                for (int t1 = 0; t1 < l; t1++)
                {
                    var parent = s.Slice(_layout.FirstOrderIndex(j1, t1) * p, p);
                    for (int j2 = j1 + 1; j2 < j; j2++)
                        for (int t2 = 0; t2 < l; t2++)
                        {
                            var child = s.Slice(_layout.SecondOrderIndex(j1, t1, j2, t2) * p, p);
                            for (int x = 0; x < p; x++) child[x] /= parent[x] + eps;
                        }
                }
        var s0 = s[..p];
        for (int k = 1; k <= j * l; k++)
        {
            var child = s.Slice(k * p, p);
            for (int x = 0; x < p; x++) child[x] /= s0[x] + eps;
        }
    }

    /// <summary>
    /// R[m] = |Σ_θ v[θ] e^{−2πi·mθ/L}| / L for m = 0..⌊L/2⌋, in double, rounded to float; v[θ] = S1[j1, θ], or
    /// S2[j1, θ, j2, (θ + δ) mod L].
    /// </summary>
    private void RotationInvariant(ReadOnlySpan<float> s, Span<float> r)
    {
        int p = _layout.OutPlaneSize, j = _layout.J, l = _layout.L, m = Frequencies(l);
        Span<int> sources = l <= 256 ? stackalloc int[l] : new int[l];
        s[..p].CopyTo(r[..p]);
        int o = 1;
        for (int j1 = 0; j1 < j; j1++)
        {
            for (int t = 0; t < l; t++) sources[t] = _layout.FirstOrderIndex(j1, t) * p;
            Moduli(s, sources, r, o, p, l, m);
            o += m;
        }
        if (_layout.Order == 2)
            for (int j1 = 0; j1 < j; j1++)
                for (int j2 = j1 + 1; j2 < j; j2++)
                    for (int d = 0; d < l; d++)
                    {
                        for (int t = 0; t < l; t++) sources[t] = _layout.SecondOrderIndex(j1, t, j2, (t + d) % l) * p;
                        Moduli(s, sources, r, o, p, l, m);
                        o += m;
                    }
    }

    private void Moduli(ReadOnlySpan<float> s, ReadOnlySpan<int> sources, Span<float> r, int first, int p, int l, int m)
    {
        for (int f = 0; f < m; f++)
        {
            var target = r.Slice((first + f) * p, p);
            var c = _cos.AsSpan(f * l, l);
            var sn = _sin.AsSpan(f * l, l);
            for (int x = 0; x < p; x++)
            {
                double re = 0, im = 0;
                for (int t = 0; t < l; t++)
                {
                    double v = s[sources[t] + x];
                    re += v * c[t];
                    im -= v * sn[t];
                }
                target[x] = (float)(Math.Sqrt(re * re + im * im) / l);
            }
        }
    }

    /// <summary>log(max(S, 0) + ε): the sum in float, the log in double rounded to float.</summary>
    private static void Log(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)Math.Log(MathF.Max(values[i], 0f) + CoefficientOptions.Epsilon);
    }
}
