// MSBuild inline task (RoslynCodeTaskFactory): makes TorchSharp's native library load on a libstdc++ older
// than GCC 13 (Debian 12). See ../../README.md "TorchSharp on Debian 12" and shared notes platform.md §2.
//
// libLibTorchSharp.so needs GLIBCXX_3.4.32 for exactly one symbol, std::ios_base_library_init(). The fix:
//  1. mark the GLIBCXX_3.4.32 version requirement weak (VER_FLG_WEAK), so the loader tolerates its absence;
//  2. add a DT_NEEDED on libtorchsharp_glibcxx_shim.so, which defines that one symbol at that version.
// Step 2 needs no patchelf: the library carries a redundant DT_SYMBOLIC entry (DT_FLAGS already has
// DF_SYMBOLIC) that becomes the DT_NEEDED, and a RUNPATH whose tail is build-machine paths; the shim's name
// is written over that tail, keeping "$ORIGIN/". Every step checks its preconditions and is idempotent; the
// file is replaced atomically. Where the system libstdc++ already has GLIBCXX_3.4.32 nothing is done.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class PatchTorchSharpNative : Task
{
    private const string ShimName = "libtorchsharp_glibcxx_shim.so";
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private const string KeptRunPath = "$ORIGIN/";

    [Required] public string OutputDirectory { get; set; } = "";
    [Required] public string ShimPath { get; set; } = "";

    public override bool Execute()
    {
        var lib = Path.Combine(OutputDirectory, "libLibTorchSharp.so");
        if (!File.Exists(lib))
        {
            return true;
        }

        if (SystemLibStdCxxHas(MissingVersion))
        {
            Log.LogMessage(MessageImportance.Low, "torchfix: system libstdc++ has {0}; nothing to do", MissingVersion);
            return true;
        }

        try
        {
            var data = File.ReadAllBytes(lib);
            var elf = new Elf(data);
            var changed = elf.WeakenVersionNeed(MissingVersion);
            changed |= elf.AddNeeded(ShimName, KeptRunPath);
            if (changed)
            {
                var tmp = lib + ".torchfix.tmp";
                File.WriteAllBytes(tmp, data);
                File.Replace(tmp, lib, null);
                Log.LogMessage(MessageImportance.High, "torchfix: patched {0}", lib);
            }

            var shimTarget = Path.Combine(OutputDirectory, ShimName);
            if (!File.Exists(shimTarget) || new FileInfo(shimTarget).Length != new FileInfo(ShimPath).Length)
            {
                File.Copy(ShimPath, shimTarget, overwrite: true);
            }

            return true;
        }
        catch (InvalidDataException ex)
        {
            Log.LogError("torchfix: cannot patch {0}: {1}", lib, ex.Message);
            return false;
        }
    }

    private static bool SystemLibStdCxxHas(string version)
    {
        string[] candidates =
        {
            "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/lib64/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        };
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        foreach (var path in candidates)
        {
            if (File.Exists(path))
            {
                return IndexOf(File.ReadAllBytes(path), needle) >= 0;
            }
        }

        return false;
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }

            if (j == needle.Length)
            {
                return i;
            }
        }

        return -1;
    }

    private sealed class Elf
    {
        private const uint ShtDynsym = 11;
        private const uint ShtDynamic = 6;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const long DtNull = 0, DtNeeded = 1, DtSoname = 14, DtSymbolic = 16, DtRunpath = 29, DtRpath = 15, DtFlags = 30;
        private const ulong DfSymbolic = 0x2;
        private const ushort VerFlgWeak = 0x2;

        private readonly byte[] _d;
        private readonly (uint Type, long Offset, long Size, uint Link, uint Info)[] _sections;

        public Elf(byte[] data)
        {
            _d = data;
            if (data.Length < 64 || data[0] != 0x7f || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F')
            {
                throw new InvalidDataException("not an ELF file");
            }

            if (data[4] != 2 || data[5] != 1)
            {
                throw new InvalidDataException("not a little-endian 64-bit ELF file");
            }

            var shoff = (long)U64(0x28);
            var shentsize = U16(0x3A);
            var shnum = U16(0x3C);
            _sections = new (uint, long, long, uint, uint)[shnum];
            for (var i = 0; i < shnum; i++)
            {
                var s = shoff + (i * shentsize);
                _sections[i] = (U32(s + 4), (long)U64(s + 24), (long)U64(s + 32), U32(s + 40), U32(s + 44));
            }
        }

        public bool WeakenVersionNeed(string version)
        {
            foreach (var sec in _sections)
            {
                if (sec.Type != ShtGnuVerneed)
                {
                    continue;
                }

                var str = _sections[sec.Link].Offset;
                var vn = sec.Offset;
                for (var i = 0; i < sec.Info; i++)
                {
                    var count = U16(vn + 2);
                    var a = vn + U32(vn + 8);
                    for (var j = 0; j < count; j++)
                    {
                        if (Str(str + U32(a + 8)) == version)
                        {
                            var flags = U16(a + 4);
                            if ((flags & VerFlgWeak) != 0)
                            {
                                return false;
                            }

                            W16(a + 4, (ushort)(flags | VerFlgWeak));
                            return true;
                        }

                        a += U32(a + 12);
                    }

                    vn += U32(vn + 12);
                }
            }

            throw new InvalidDataException($"no version requirement {version}: not the library this fix was made for");
        }

        public bool AddNeeded(string name, string keptRunPath)
        {
            var dyn = Array.Find(_sections, s => s.Type == ShtDynamic);
            if (dyn.Size == 0)
            {
                throw new InvalidDataException("no dynamic section");
            }

            var strtab = _sections[dyn.Link].Offset;
            long symbolicEntry = -1, runpathEntry = -1;
            ulong flags = 0;
            for (var e = dyn.Offset; e < dyn.Offset + dyn.Size; e += 16)
            {
                var tag = (long)U64(e);
                if (tag == DtNull)
                {
                    break;
                }

                var val = U64(e + 8);
                if (tag == DtNeeded && Str(strtab + (long)val) == name)
                {
                    return false;
                }

                if (tag == DtSymbolic)
                {
                    symbolicEntry = e;
                }
                else if (tag == DtRunpath || tag == DtRpath)
                {
                    runpathEntry = e;
                }
                else if (tag == DtFlags)
                {
                    flags = val;
                }
            }

            if (symbolicEntry < 0 || (flags & DfSymbolic) == 0)
            {
                throw new InvalidDataException("no redundant DT_SYMBOLIC entry to reuse for DT_NEEDED");
            }

            if (runpathEntry < 0)
            {
                throw new InvalidDataException("no RUNPATH string to carry the shim's name");
            }

            var runpathOff = (long)U64(runpathEntry + 8);
            var runpath = Str(strtab + runpathOff);
            if (!runpath.StartsWith(keptRunPath, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"RUNPATH '{runpath}' does not start with {keptRunPath}");
            }

            var nameOff = runpathOff + keptRunPath.Length + 1;
            if (runpath.Length < keptRunPath.Length + 1 + name.Length)
            {
                throw new InvalidDataException("RUNPATH string too short to carry the shim's name");
            }

            EnsureNoStringPointsInto(strtab, runpathOff + 1, runpathOff + runpath.Length, dyn);

            var strStart = strtab + runpathOff;
            Array.Clear(_d, (int)strStart, runpath.Length);
            Encoding.ASCII.GetBytes(keptRunPath).CopyTo(_d, strStart);
            Encoding.ASCII.GetBytes(name).CopyTo(_d, strtab + nameOff);
            W64(symbolicEntry, DtNeeded);
            W64(symbolicEntry + 8, (ulong)nameOff);
            return true;
        }

        // String tables may share tails between strings; overwriting the RUNPATH's tail is safe only if no
        // other name (symbol, version, needed library) points into it.
        private void EnsureNoStringPointsInto(long strtab, long from, long to, (uint Type, long Offset, long Size, uint Link, uint Info) dyn)
        {
            void Check(long off, string what)
            {
                if (off >= from && off <= to)
                {
                    throw new InvalidDataException($"{what} shares the RUNPATH string; refusing to overwrite it");
                }
            }

            for (var e = dyn.Offset; e < dyn.Offset + dyn.Size; e += 16)
            {
                var tag = (long)U64(e);
                if (tag == DtNeeded || tag == DtSoname)
                {
                    Check((long)U64(e + 8), "a dynamic entry");
                }
            }

            foreach (var sec in _sections)
            {
                if (_sections.Length > 0 && sec.Link < _sections.Length && _sections[sec.Link].Offset != strtab)
                {
                    continue;
                }

                if (sec.Type == ShtDynsym)
                {
                    for (var s = sec.Offset; s < sec.Offset + sec.Size; s += 24)
                    {
                        Check(U32(s), "a symbol name");
                    }
                }
                else if (sec.Type == ShtGnuVerneed)
                {
                    var vn = sec.Offset;
                    for (var i = 0; i < sec.Info; i++)
                    {
                        Check(U32(vn + 4), "a needed file name");
                        var a = vn + U32(vn + 8);
                        for (var j = 0; j < U16(vn + 2); j++)
                        {
                            Check(U32(a + 8), "a version name");
                            a += U32(a + 12);
                        }

                        vn += U32(vn + 12);
                    }
                }
                else if (sec.Type == ShtGnuVerdef)
                {
                    var vd = sec.Offset;
                    for (var i = 0; i < sec.Info; i++)
                    {
                        var a = vd + U32(vd + 12);
                        for (var j = 0; j < U16(vd + 6); j++)
                        {
                            Check(U32(a), "a version definition");
                            a += U32(a + 4);
                        }

                        vd += U32(vd + 16);
                    }
                }
            }
        }

        private ushort U16(long o) => BitConverter.ToUInt16(_d, (int)o);
        private uint U32(long o) => BitConverter.ToUInt32(_d, (int)o);
        private ulong U64(long o) => BitConverter.ToUInt64(_d, (int)o);
        private void W16(long o, ushort v) => BitConverter.GetBytes(v).CopyTo(_d, o);
        private void W64(long o, ulong v) => BitConverter.GetBytes(v).CopyTo(_d, o);
        private void W64(long o, long v) => BitConverter.GetBytes(v).CopyTo(_d, o);

        private string Str(long o)
        {
            var end = Array.IndexOf(_d, (byte)0, (int)o);
            return Encoding.ASCII.GetString(_d, (int)o, end - (int)o);
        }
    }
}
