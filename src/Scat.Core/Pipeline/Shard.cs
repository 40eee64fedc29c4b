using System.Globalization;

namespace Scat.Pipeline;

/// <summary>
/// One of <see cref="Count"/> disjoint parts of the input, by contiguous ranges of the processing order:
/// of n images, shard i takes positions [⌊i·n/N⌋, ⌊(i+1)·n/N⌋). The shards' sizes differ by at most one, and
/// reading the shard outputs in shard order gives the rows in the same order as one run over the whole input.
/// </summary>
public sealed record Shard(int Index, int Count)
{
    /// <summary>The placeholder an output name may hold, replaced by the zero-padded shard index.</summary>
    public const string Placeholder = "{shard}";

    private const string Allowed = "use I/N with 0 <= I < N and N >= 1 (e.g. --shard 0/4), or auto";

    /// <summary>The range [Start, End) of the shard's items among <paramref name="total"/>.</summary>
    public (int Start, int End) Range(int total) =>
        ((int)((long)Index * total / Count), (int)((long)(Index + 1) * total / Count));

    /// <summary>The index zero-padded to the width of N − 1, so that names sort in shard order.</summary>
    public string Label =>
        Index.ToString(CultureInfo.InvariantCulture).PadLeft((Count - 1).ToString(CultureInfo.InvariantCulture).Length, '0');

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <summary>The output name with <see cref="Placeholder"/> filled (unchanged without a shard).</summary>
    public static string FillName(string output, Shard? shard)
    {
        if (!output.Contains(Placeholder, StringComparison.Ordinal)) return output;
        if (shard is null)
            throw new ScatUsageException($"the output name contains {Placeholder} but no --shard is given");
        return output.Replace(Placeholder, shard.Label, StringComparison.Ordinal);
    }

    /// <summary>
    /// Parses <c>--shard</c>: "I/N", or "auto" which reads SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT (with
    /// SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_STEP) or Kubernetes' JOB_COMPLETION_INDEX with
    /// <paramref name="shards"/>. Throws <see cref="ScatUsageException"/> saying what is allowed.
    /// </summary>
    public static Shard Parse(string text, int? shards, Func<string, string?> environment)
    {
        var t = text.Trim();
        if (string.Equals(t, "auto", StringComparison.OrdinalIgnoreCase)) return FromEnvironment(shards, environment);
        if (shards is not null) throw new ScatUsageException("--shards goes with --shard auto only (--shard I/N gives N itself)");
        int slash = t.IndexOf('/');
        if (slash < 0 || !TryInt(t[..slash], out int i) || !TryInt(t[(slash + 1)..], out int n))
            throw new ScatUsageException($"bad --shard '{text}': {Allowed}");
        return Checked(i, n, $"--shard '{text}'");
    }

    private static Shard FromEnvironment(int? shards, Func<string, string?> env)
    {
        if (env("SLURM_ARRAY_TASK_ID") is { Length: > 0 } idText)
        {
            var countText = env("SLURM_ARRAY_TASK_COUNT");
            var minText = env("SLURM_ARRAY_TASK_MIN") is { Length: > 0 } m ? m : "0";
            var stepText = env("SLURM_ARRAY_TASK_STEP") is { Length: > 0 } s ? s : "1";
            if (!TryInt(idText, out int id) || !TryInt(countText, out int count) || !TryInt(minText, out int min)
                || !TryInt(stepText, out int step) || step < 1)
                throw new ScatUsageException(
                    $"--shard auto: cannot read the SLURM job array (SLURM_ARRAY_TASK_ID={idText}, SLURM_ARRAY_TASK_COUNT={countText}, SLURM_ARRAY_TASK_MIN={minText}, SLURM_ARRAY_TASK_STEP={stepText}); submit with --array=0-(N-1) or give --shard I/N");
            if (shards is { } given && given != count)
                throw new ScatUsageException($"--shards {given} disagrees with SLURM_ARRAY_TASK_COUNT={count}");
            if (id < min || (id - min) % step != 0)
                throw new ScatUsageException(
                    $"--shard auto: SLURM_ARRAY_TASK_ID={id} is not on the array's range (min {min}, step {step}); use an array range such as --array=0-{count - 1}");
            return Checked((id - min) / step, count, "--shard auto (SLURM)");
        }
        if (env("JOB_COMPLETION_INDEX") is { Length: > 0 } indexText)
        {
            if (shards is null)
                throw new ScatUsageException("--shard auto with JOB_COMPLETION_INDEX needs --shards N (the Job's completions)");
            if (!TryInt(indexText, out int index))
                throw new ScatUsageException($"--shard auto: bad JOB_COMPLETION_INDEX={indexText}");
            return Checked(index, shards.Value, "--shard auto (JOB_COMPLETION_INDEX)");
        }
        throw new ScatUsageException(
            "--shard auto needs a SLURM job array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT) or a Kubernetes indexed Job (JOB_COMPLETION_INDEX with --shards N); none is set");
    }

    private static Shard Checked(int i, int n, string what)
    {
        if (n < 1 || i < 0 || i >= n)
            throw new ScatUsageException($"bad {what}: shard {i} of {n}: {Allowed}");
        return new Shard(i, n);
    }

    private static bool TryInt(string? s, out int value) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
