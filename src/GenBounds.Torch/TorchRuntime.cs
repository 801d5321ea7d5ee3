using System.Reflection;
using TorchSharp;

namespace GenBounds.Torch;

/// <summary>What the torch engine needs to know about the process's libtorch before choosing a device.</summary>
/// <param name="CudaLibraryPresent">Whether the libtorch in the output is a CUDA build (a <c>libtorch_cuda.so</c> beside <c>libtorch_cpu.so</c>).</param>
/// <param name="CudaDeviceCount">CUDA devices libtorch sees (0 without a CUDA build or without a GPU).</param>
public readonly record struct TorchCapabilities(bool CudaLibraryPresent, int CudaDeviceCount);

/// <summary>
/// Loading TorchSharp's native backend, the versions to record in model files, and the mapping from a device name
/// (<c>cpu</c>, <c>cuda</c>, <c>cuda:1</c>) to a <see cref="torch.Device"/> with clear errors when it cannot be used.
/// Everything else in this project takes the device as a parameter, so the code a GPU would run is the code the CPU
/// tests run.
/// </summary>
public static class TorchRuntime
{
    /// <summary>The NuGet package that supplies the CPU libtorch this project is built with.</summary>
    public const string CpuPackage = "libtorch-cpu-linux-x64";
    /// <summary>The package to reference instead for CUDA (TorchSharp 0.107 pairs with libtorch 2.10 built for CUDA 12.8).</summary>
    public const string CudaPackage = "libtorch-cuda-12.8-linux-x64";
    /// <summary>The combined TorchSharp + CUDA libtorch package, an alternative to <see cref="CudaPackage"/>.</summary>
    public const string CudaBundlePackage = "TorchSharp-cuda-linux";

    private static readonly Lazy<TorchCapabilities> Probed = new(Probe);

    /// <summary>libtorch's version (e.g. <c>2.10.0</c>; TorchSharp reports the NuGet package's four-part <c>2.10.0.0</c>).</summary>
    public static string LibTorchVersion =>
        Version.TryParse(torch.__version__, out var v) && v.Revision == 0 ? $"{v.Major}.{v.Minor}.{v.Build}" : torch.__version__;

    /// <summary>The TorchSharp assembly's version (e.g. <c>0.107.0</c>).</summary>
    public static string TorchSharpVersion =>
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>Loads the CPU backend (idempotent). Throws <see cref="TorchUnavailableException"/> with the loader's reason when it cannot.</summary>
    public static void EnsureLoaded()
    {
        try { torch.InitializeDeviceType(DeviceType.CPU); }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException or InvalidOperationException)
        {
            throw new TorchUnavailableException(
                "TorchSharp's native library could not be loaded. On Debian 12 the build marks its GLIBCXX_3.4.32 requirement weak " +
                "(build/TorchSharpNative.targets); run from a build output (bin/...), not from a copy that skipped that step. Cause: " + e.Message, e);
        }
    }

    /// <summary>The capabilities of this process's libtorch (probed once).</summary>
    public static TorchCapabilities Capabilities => Probed.Value;

    /// <summary>
    /// The device named <paramref name="name"/> (<c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>), after checking that this
    /// process's libtorch can use it. Throws <see cref="ArgumentException"/> for an unknown name and
    /// <see cref="TorchUnavailableException"/> when CUDA is asked for but unusable, naming the packages to add.
    /// </summary>
    public static torch.Device ResolveDevice(string name) => ResolveDevice(name, Capabilities);

    /// <summary><see cref="ResolveDevice(string)"/> against given capabilities (the decision without a GPU, for tests).</summary>
    public static torch.Device ResolveDevice(string name, TorchCapabilities capabilities)
    {
        var (kind, index) = ParseDevice(name);
        EnsureLoaded();
        if (kind == DeviceType.CPU) return torch.CPU;
        if (!capabilities.CudaLibraryPresent)
            throw new TorchUnavailableException(
                $"--device {name}: this build has the CPU-only libtorch ({CpuPackage} {LibTorchVersion}). To train on an NVIDIA GPU, " +
                $"replace {CpuPackage} by {CudaPackage} (or by the combined {CudaBundlePackage}) in paket.dependencies and " +
                "src/GenBounds.Torch/paket.references, run ./paket-lock.sh and rebuild (README, section 'The torch engine').");
        if (capabilities.CudaDeviceCount == 0)
            throw new TorchUnavailableException($"--device {name}: libtorch has CUDA support but sees no CUDA device (driver missing or no GPU visible)");
        if (index >= capabilities.CudaDeviceCount)
            throw new TorchUnavailableException($"--device {name}: libtorch sees {capabilities.CudaDeviceCount} CUDA device(s), numbered 0..{capabilities.CudaDeviceCount - 1}");
        return new torch.Device(DeviceType.CUDA, index);
    }

    /// <summary>Parses <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> (case-insensitive); throws <see cref="ArgumentException"/> otherwise.</summary>
    public static (DeviceType Kind, int Index) ParseDevice(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var s = name.Trim().ToLowerInvariant();
        if (s == "cpu") return (DeviceType.CPU, 0);
        if (s == "cuda") return (DeviceType.CUDA, 0);
        if (s.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(s.AsSpan(5), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out int i))
            return (DeviceType.CUDA, i);
        throw new ArgumentException($"unknown device '{name}' (expected cpu, cuda or cuda:N)");
    }

    /// <summary>The name recorded in model metadata: <c>cpu</c> or <c>cuda:N</c>.</summary>
    public static string DeviceName(torch.Device device) => device.type == DeviceType.CPU ? "cpu" : $"{device.type.ToString().ToLowerInvariant()}:{device.index}";

    private static TorchCapabilities Probe()
    {
        EnsureLoaded();
        // A CUDA libtorch ships libtorch_cuda.so in the same folder as libtorch_cpu.so; the loader has mapped the latter.
        string? cpuLib = MappedFile("libtorch_cpu.so");
        bool cudaLib = cpuLib is not null && File.Exists(Path.Combine(Path.GetDirectoryName(cpuLib)!, "libtorch_cuda.so"));
        int count = cudaLib && torch.TryInitializeDeviceType(DeviceType.CUDA) ? torch.cuda.device_count() : 0;
        return new TorchCapabilities(cudaLib, count);
    }

    private static string? MappedFile(string name)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && Path.GetFileName(line.AsSpan(slash)).SequenceEqual(name)) return line[slash..];
            }
        }
        catch (IOException) { }
        return null;
    }
}

/// <summary>libtorch cannot be loaded, or cannot use the requested device; the message says what to change.</summary>
public sealed class TorchUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TorchUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}
