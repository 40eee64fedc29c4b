#!/usr/bin/env python3
"""Writes src/Scat.Core/Backends/Cpu/OddCodelets.g.cs: unrolled butterflies of LaneFft for small odd primes.

Each codelet is the symmetric-pair DFT of LaneFft.RadixOdd (same operations in the same order, so the results
are bit-identical to it), written out with its cosines and sines as constants: the JIT keeps the working values
in registers and takes the constants from memory, instead of running the generic loops over tables.
Run: python3 scripts/gen-odd-codelets.py [OUT]  (then build; the output is committed, and a test checks that it is
what this script writes).
"""
import math
import os
import struct
import sys

PRIMES = [3, 5, 7, 11, 13, 17]
WIDTHS = [128, 256, 512]
OUT = os.path.join(os.path.dirname(__file__), "..", "src", "Scat.Core", "Backends", "Cpu", "OddCodelets.g.cs")


def f32(x):
    """C# literal of the float nearest to x, exactly as (float)Math.Cos(...) gives it."""
    v = struct.unpack("f", struct.pack("f", x))[0]
    return repr(v) + "f" if v != 0 else "0f"


# The primes whose codelets keep the twiddles (read once per call) and the pair terms in locals, i.e. registers, instead
# of reading each twiddle where used and keeping the pair terms in a stack buffer: 10–30 % faster for 3, 5 and 7 on
# 256 and 512 bits (micro-benchmark of LaneFft, docs/benchmarks.md, issue 20); for 11, 13 and 17 (20 to 32 twiddle
# and as many pair vectors) the JIT spills them, up to 3× slower, so they keep the buffer.
LOCAL_PRIMES = {3, 5, 7}


def codelet(p, bits):
    h = p // 2
    local = p in LOCAL_PRIMES

    def T(i):
        return f"t{i}" if local else f"Unsafe.Add(ref t, {i})"
    V = f"Vector{bits}"
    L = []
    w = L.append
    def ld(arr, off):
        return f"{V}.LoadUnsafe(ref Unsafe.Add(ref {arr}, {off}))"
    def st(val, arr, off):
        return f"{V}.StoreUnsafe({val}, ref Unsafe.Add(ref {arr}, {off}));"
    def fma(a, b, c):
        return f"{V}.FusedMultiplyAdd({a}, {b}, {c})"
    def splat(x):
        return f"{V}.Create({x})"
    w(f"    [MethodImpl(MethodImplOptions.AggressiveOptimization)]")
    w(f"    [SkipLocalsInit]")
    w(f"    private static void Odd{p}x{bits}(ref float sr, ref float si, ref float dr, ref float di, int inOff, int inStride,")
    w(f"        int outOff, int outStride, int block, int subCount, int inSub, int outSub, int groups, int inGroup, int outGroup, ref float tw, bool inverse, bool twiddle)")
    w(f"    {{")
    w(f"        {V}<float> zero = {V}<float>.Zero;")
    if local:
        for k in range(1, p):
            w(f"        var tc{k} = {splat(f'Unsafe.Add(ref tw, {2 * k})')}; var ts{k} = {splat(f'Unsafe.Add(ref tw, {2 * k + 1})')};")
    else:
        w(f"        Span<{V}<float>> pairs = stackalloc {V}<float>[{4 * h}];")
        w(f"        ref {V}<float> t = ref MemoryMarshal.GetReference(pairs);")
    w(f"        for (int gi = 0; gi < groups; gi++, inOff += inGroup, outOff += outGroup)")
    w(f"        for (int sg = 0, si0 = 0, so = 0; sg < subCount; sg++, si0 += inSub, so += outSub)")
    w(f"        for (int bb = 0; bb < block; bb += {V}<float>.Count)")
    w(f"        {{")
    w(f"            int o = inOff + si0 + bb;")
    w(f"            var x0r = {ld('sr', 'o')}; var x0i = {ld('si', 'o')};")
    w(f"            var sumr = x0r; var sumi = x0i;")
    if local:
        w(f"            {V}<float> " + ", ".join(f"t{i}" for i in range(4 * h)) + ";")
    for r in range(1, h + 1):
        w(f"            {{")
        w(f"                var ur = {ld('sr', f'o + {r} * inStride')}; var ui = {ld('si', f'o + {r} * inStride')};")
        w(f"                var vr = {ld('sr', f'o + {p - r} * inStride')}; var vi = {ld('si', f'o + {p - r} * inStride')};")
        w(f"                if (twiddle)")
        w(f"                {{")
        for (a, b, k) in (("ur", "ui", r), ("vr", "vi", p - r)):
            c, sn = (f"tc{k}", f"ts{k}") if local else (f"c{a}", f"s{a}")
            if not local:
                w(f"                    var c{a} = {splat(f'Unsafe.Add(ref tw, {2 * k})')}; var s{a} = {splat(f'Unsafe.Add(ref tw, {2 * k + 1})')};")
            w(f"                    var n{a} = {fma(a, c, f'(zero - {b}) * {sn}')};")
            w(f"                    {b} = {fma(a, sn, f'{b} * {c}')}; {a} = n{a};")
        w(f"                }}")
        w(f"                var ar = ur + vr; var ai = ui + vi;")
        w(f"                {T(r - 1)} = ar; {T(h + r - 1)} = ai;")
        w(f"                {T(2 * h + r - 1)} = inverse ? vr - ur : ur - vr;")
        w(f"                {T(3 * h + r - 1)} = inverse ? vi - ui : ui - vi;")
        w(f"                sumr += ar; sumi += ai;")
        w(f"            }}")
    w(f"            int d = outOff + so + bb;")
    w(f"            {st('sumr', 'dr', 'd')} {st('sumi', 'di', 'd')}")
    q = 1
    while q <= h:
        qs = [q] if q + 1 > h else [q, q + 1]
        w(f"            {{")
        for qq in qs:
            w(f"                var a{qq}r = x0r; var a{qq}i = x0i; {V}<float> b{qq}r, b{qq}i;")
        for r in range(1, h + 1):
            w(f"                {{")
            w(f"                    var xr = {T(r - 1)}; var xi = {T(h + r - 1)}; var yr = {T(2 * h + r - 1)}; var yi = {T(3 * h + r - 1)};")
            for qq in qs:
                a = 2.0 * math.pi * ((qq * r) % p) / p
                c, s = f32(math.cos(a)), f32(math.sin(a))
                w(f"                    var c{qq} = {splat(c)}; var s{qq} = {splat(s)};")
                w(f"                    a{qq}r = {fma('xr', f'c{qq}', f'a{qq}r')}; a{qq}i = {fma('xi', f'c{qq}', f'a{qq}i')};")
                if r == 1:
                    w(f"                    b{qq}r = {fma('yr', f's{qq}', 'zero')}; b{qq}i = {fma('yi', f's{qq}', 'zero')};")
                else:
                    w(f"                    b{qq}r = {fma('yr', f's{qq}', f'b{qq}r')}; b{qq}i = {fma('yi', f's{qq}', f'b{qq}i')};")
            w(f"                }}")
        for qq in qs:
            w(f"                {st(f'a{qq}r + b{qq}i', 'dr', f'd + {qq} * outStride')}")
            w(f"                {st(f'a{qq}i - b{qq}r', 'di', f'd + {qq} * outStride')}")
            w(f"                {st(f'a{qq}r - b{qq}i', 'dr', f'd + {p - qq} * outStride')}")
            w(f"                {st(f'a{qq}i + b{qq}r', 'di', f'd + {p - qq} * outStride')}")
        w(f"            }}")
        q += len(qs)
    w(f"        }}")
    w(f"    }}")
    return "\n".join(L)


def main():
    parts = [
        "// <auto-generated> by scripts/gen-odd-codelets.py; do not edit by hand. </auto-generated>",
        "using System.Runtime.CompilerServices;",
        "using System.Runtime.InteropServices;",
        "using System.Runtime.Intrinsics;",
        "",
        "namespace Scat.Backends.Cpu;",
        "",
        "internal sealed partial class LaneFft",
        "{",
        "    /// <summary>The odd radices with an unrolled butterfly.</summary>",
        "    private static bool HasCodelet(int p) => p is " + " or ".join(str(p) for p in PRIMES) + ";",
        "",
        "    private static void OddCodelet<TV>(int p, ref float sr, ref float si, ref float dr, ref float di, int inOff, int inStride,",
        "        int outOff, int outStride, int block, int subCount, int inSub, int outSub, int groups, int inGroup, int outGroup, ref float tw, bool inverse, bool twiddle) where TV : unmanaged, IVec<TV>",
        "    {",
    ]
    for bits in WIDTHS:
        parts.append(f"        if (typeof(TV) == typeof(V{bits}))")
        parts.append("        {")
        parts.append("            switch (p)")
        parts.append("            {")
        for p in PRIMES:
            parts.append(f"                case {p}: Odd{p}x{bits}(ref sr, ref si, ref dr, ref di, inOff, inStride, outOff, outStride, block, subCount, inSub, outSub, groups, inGroup, outGroup, ref tw, inverse, twiddle); return;")
        parts.append("            }")
        parts.append("        }")
    parts += [
        "        throw new ArgumentOutOfRangeException(nameof(p));",
        "    }",
        "",
    ]
    for bits in WIDTHS:
        for p in PRIMES:
            parts.append(codelet(p, bits))
            parts.append("")
    parts[-1] = "}"
    out = sys.argv[1] if len(sys.argv) > 1 else OUT
    with open(out, "w") as fh:
        fh.write("\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
