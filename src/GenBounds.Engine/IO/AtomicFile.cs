using System.Security.Cryptography;

namespace GenBounds.IO;

/// <summary>
/// All-or-nothing file writes: content goes to <c>path + ".tmp-&lt;random&gt;"</c> in the same folder (same volume, so the
/// final rename is atomic), is flushed to disk, and only then replaces <c>path</c>. A crash or an exception while writing
/// leaves the previous file untouched and no temporary file behind.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes the file through <paramref name="write"/>, then atomically moves it over <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no parent folder", nameof(path));
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"cannot write '{path}': folder '{folder}' does not exist");
        // The suffix only has to avoid collisions between concurrent writers; it never influences results, so it comes
        // from the OS generator rather than from a seeded stream.
        string temp = $"{full}.tmp-{Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant()}";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="bytes"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }
}
