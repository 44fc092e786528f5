// One source file, two uses: the MSBuild inline task in Directory.Build.targets compiles it (with the task class),
// and the unit tests compile it with LETHE_TESTS defined (without the MSBuild dependency).
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Lethe.Build
{
    /// <summary>
    /// libLibTorchSharp.so 0.107.0 was linked by GCC 13 and declares a version need GLIBCXX_3.4.32 whose only symbol
    /// (<c>_ZSt21ios_base_library_initv</c>) no relocation uses. Debian 12 / RHEL 8-9 ship libstdc++ up to 3.4.30, so the
    /// loader refuses the library. Renaming that one Vernaux entry to GLIBCXX_3.4.30 (hash + .dynstr offset, 8 bytes) is
    /// enough; see ../shared/design/environment-notes.md section 6.
    /// </summary>
    public static class GlibcxxRequirementPatch
    {
        public const string Needed = "GLIBCXX_3.4.32";
        public const string Replacement = "GLIBCXX_3.4.30";

        private const uint ShtGnuVerneed = 0x6ffffffe;

        public enum Outcome
        {
            Patched,
            NothingToPatch,
        }

        /// <summary>A Vernaux entry: where it sits in the file and which version string it names.</summary>
        public readonly struct VersionNeed
        {
            public VersionNeed(long offset, uint hash, uint nameOffset, string name)
            {
                Offset = offset;
                Hash = hash;
                NameOffset = nameOffset;
                Name = name;
            }

            public long Offset { get; }
            public uint Hash { get; }
            public uint NameOffset { get; }
            public string Name { get; }
        }

        /// <summary>Rewrites the Vernaux entry that names <see cref="Needed"/> so that it names <see cref="Replacement"/>.</summary>
        public static Outcome Patch(byte[] elf)
        {
            var needs = ReadVersionNeeds(elf);
            var target = needs.FindIndex(n => n.Name == Needed);
            if (target < 0)
            {
                return Outcome.NothingToPatch;
            }

            var replacement = needs.Find(n => n.Name == Replacement);
            if (replacement.Name != Replacement)
            {
                throw new InvalidDataException(
                    $"The library needs {Needed} but declares no {Replacement} entry to point it at; it cannot be patched.");
            }

            WriteUInt32(elf, needs[target].Offset, ElfHash(Replacement));
            WriteUInt32(elf, needs[target].Offset + 8, replacement.NameOffset);
            return Outcome.Patched;
        }

        /// <summary>Every Vernaux entry of the .gnu.version_r section of a little-endian ELF64 file.</summary>
        public static List<VersionNeed> ReadVersionNeeds(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            {
                throw new InvalidDataException("Not an ELF file.");
            }

            if (elf[4] != 2 || elf[5] != 1)
            {
                throw new InvalidDataException("Only little-endian 64-bit ELF files are supported.");
            }

            var sectionHeaders = (long)ReadUInt64(elf, 0x28);
            var sectionHeaderSize = ReadUInt16(elf, 0x3a);
            var sectionCount = ReadUInt16(elf, 0x3c);
            var needs = new List<VersionNeed>();
            for (var s = 0; s < sectionCount; s++)
            {
                var header = sectionHeaders + (long)s * sectionHeaderSize;
                if (ReadUInt32(elf, header + 4) != ShtGnuVerneed)
                {
                    continue;
                }

                var verneed = (long)ReadUInt64(elf, header + 24);
                var stringSectionIndex = ReadUInt32(elf, header + 40);
                var verneedCount = ReadUInt32(elf, header + 44);
                var strings = (long)ReadUInt64(elf, sectionHeaders + (long)stringSectionIndex * sectionHeaderSize + 24);
                for (var i = 0; i < verneedCount; i++)
                {
                    var auxCount = ReadUInt16(elf, verneed + 2);
                    var aux = verneed + ReadUInt32(elf, verneed + 8);
                    for (var j = 0; j < auxCount; j++)
                    {
                        var nameOffset = ReadUInt32(elf, aux + 8);
                        needs.Add(new VersionNeed(aux, ReadUInt32(elf, aux), nameOffset, ReadCString(elf, strings + nameOffset)));
                        aux += ReadUInt32(elf, aux + 12);
                    }

                    verneed += ReadUInt32(elf, verneed + 12);
                }
            }

            return needs;
        }

        /// <summary>The System V ELF hash that Vernaux.vna_hash holds.</summary>
        public static uint ElfHash(string name)
        {
            uint h = 0;
            foreach (var c in Encoding.ASCII.GetBytes(name))
            {
                h = (h << 4) + c;
                var g = h & 0xf0000000;
                if (g != 0)
                {
                    h ^= g >> 24;
                }

                h &= ~g;
            }

            return h;
        }

        /// <summary>The system's libstdc++, or null where none is found at the usual places.</summary>
        public static string? FindSystemLibstdcxx()
        {
            string[] candidates =
            {
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
                "/lib/x86_64-linux-gnu/libstdc++.so.6",
                "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
                "/usr/lib64/libstdc++.so.6",
                "/lib64/libstdc++.so.6",
                "/usr/lib/libstdc++.so.6",
            };
            foreach (var path in candidates)
            {
                if (File.Exists(path))
                {
                    return path;
                }
            }

            return null;
        }

        /// <summary>Whether the library defines a version string (the names of its version definitions live in .dynstr).</summary>
        public static bool Defines(byte[] library, string version)
        {
            var needle = Encoding.ASCII.GetBytes(version + "\0");
            for (var i = 0; i + needle.Length <= library.Length; i++)
            {
                var j = 0;
                while (j < needle.Length && library[i + j] == needle[j])
                {
                    j++;
                }

                if (j == needle.Length)
                {
                    return true;
                }
            }

            return false;
        }

        private static string ReadCString(byte[] data, long offset)
        {
            var end = offset;
            while (end < data.Length && data[end] != 0)
            {
                end++;
            }

            return Encoding.ASCII.GetString(data, (int)offset, (int)(end - offset));
        }

        private static ushort ReadUInt16(byte[] b, long o) => (ushort)(b[o] | (b[o + 1] << 8));

        private static uint ReadUInt32(byte[] b, long o) => BitConverter.ToUInt32(b, (int)o);

        private static ulong ReadUInt64(byte[] b, long o) => BitConverter.ToUInt64(b, (int)o);

        private static void WriteUInt32(byte[] b, long o, uint value) => BitConverter.GetBytes(value).CopyTo(b, (int)o);
    }

#if !LETHE_TESTS
    /// <summary>
    /// Patches the copies of libLibTorchSharp.so in a build or publish output (never the NuGet cache) where the system
    /// libstdc++ lacks GLIBCXX_3.4.32. The file is rewritten under a temporary name and renamed, so a hard link into the
    /// package cache is replaced rather than written through.
    /// </summary>
    public sealed class PatchTorchSharpGlibcxx : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Libraries { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        public override bool Execute()
        {
            if (Libraries.Length == 0 || !System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux))
            {
                return true;
            }

            var libstdcxx = GlibcxxRequirementPatch.FindSystemLibstdcxx();
            if (libstdcxx is null)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "No system libstdc++ found; TorchSharp left as shipped.");
                return true;
            }

            var system = File.ReadAllBytes(libstdcxx);
            if (GlibcxxRequirementPatch.Defines(system, GlibcxxRequirementPatch.Needed))
            {
                return true;
            }

            if (!GlibcxxRequirementPatch.Defines(system, GlibcxxRequirementPatch.Replacement))
            {
                Log.LogWarning($"{libstdcxx} has neither {GlibcxxRequirementPatch.Needed} nor {GlibcxxRequirementPatch.Replacement}; TorchSharp will not load on this system.");
                return true;
            }

            foreach (var item in Libraries)
            {
                var path = item.ItemSpec;
                var bytes = File.ReadAllBytes(path);
                if (GlibcxxRequirementPatch.Patch(bytes) != GlibcxxRequirementPatch.Outcome.Patched)
                {
                    continue;
                }

                var temporary = path + ".patching";
                File.WriteAllBytes(temporary, bytes);
                File.Replace(temporary, path, null);
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                    $"Patched {path}: {GlibcxxRequirementPatch.Needed} -> {GlibcxxRequirementPatch.Replacement} (system libstdc++ lacks the former).");
            }

            return true;
        }
    }
#endif
}
