/// `genbounds convert`: move a network between GenBounds model files and TorchSharp / PyTorch state dicts.
module GenBounds.Cli.Convert

open System
open System.IO
open System.Diagnostics
open GenBounds.IO
open GenBounds.Torch
open GenBounds.Cli.Args
open GenBounds.Cli.Common

let spec =
    { Name = "convert"
      Summary = "convert a model between GenBounds safetensors, TorchSharp .dat and PyTorch .pt state dicts (weights bit for bit)"
      Positionals = [ "MODEL", "input: .safetensors, .dat (TorchSharp Module.save) or .pt/.pth/.bin (PyTorch torch.save(state_dict))" ]
      Options =
        [ opt "out" "FILE" "output; the extension picks the format: .safetensors (GenBounds model file), .dat (TorchSharp), .pt/.pth (PyTorch)" None
          opt "arch" "ARCH" "architecture of a CNN input that does not record it (.dat/.pt state dicts, safetensors without metadata; input prefix required, e.g. 1x28x28:conv6k5-...)" None
          jsonFlag
          quietFlag ] }

let private outputFormat (path: string) =
    match Path.GetExtension(path).ToLowerInvariant() with
    | ".safetensors" -> ModelFormat.Safetensors
    | ".dat" -> ModelFormat.TorchSharp
    | ".pt" | ".pth" -> ModelFormat.PyTorch
    | e -> raise (UsageError(sprintf "--out %s: unknown extension '%s' (expected .safetensors, .dat, .pt or .pth)" path e))

let run (p: Parsed) =
    let sw = Stopwatch.StartNew()
    let input = match p.Positionals with [ m ] -> m | _ -> raise (UsageError "convert needs a MODEL file")
    let out = p.Get "out"
    let format = outputFormat out
    let outDir = Path.GetDirectoryName(Path.GetFullPath out)
    if not (Directory.Exists outDir) then raise (UsageError(sprintf "--out %s: folder %s does not exist" out outDir))
    let arch =
        p.TryGet "arch" |> Option.map (fun a ->
            try GenBounds.Networks.NetworkArchitecture.Parse a
            with
            | :? FormatException as e -> raise (UsageError e.Message)
            | :? ArgumentException as e -> raise (UsageError(sprintf "invalid --arch '%s': %s" a e.Message)))
    let net, meta = Eval.loadNetwork input arch
    let inputFormat = try StateDictFiles.Detect input with :? InvalidDataException as e -> raise (InputError e.Message)
    let sha256 () =
        use f = File.OpenRead input
        Convert.ToHexString(Security.Cryptography.SHA256.HashData f).ToLowerInvariant()
    try
        match format with
        | ModelFormat.Safetensors ->
            // A GenBounds file keeps its metadata; anything else records where the weights came from.
            let extra =
                meta.Extra
                |> Seq.filter (fun kv -> not (ModelFile.ReservedKeys.Contains kv.Key) && kv.Key <> "source_format")
                |> Seq.map (fun kv -> kv.Key, kv.Value)
                |> Seq.append [ "converted_from", Path.GetFileName input; "converted_from_format", Eval.formatName inputFormat
                                "converted_from_sha256", sha256 () ]
                |> Seq.distinctBy fst
                |> readOnlyDict
            ModelFile.Save(out, net, meta.WithExtra extra)
        | ModelFormat.TorchSharp -> StateDictFiles.SaveTorchSharp(out, net)
        | _ -> StateDictFiles.SavePyTorch(out, net)
    with :? TorchUnavailableException as e -> raise (InputError e.Message)
    obj [ "command", jstr "convert"
          "input", jstr (Path.GetFullPath input)
          "input_format", jstr (Eval.formatName inputFormat)
          "output", jstr (Path.GetFullPath out)
          "output_format", jstr (Eval.formatName format)
          "architecture", jstr (net.Architecture.ToString())
          "model_hash", jstr (net.ContentHash())
          "wall_seconds", jnum sw.Elapsed.TotalSeconds ]
