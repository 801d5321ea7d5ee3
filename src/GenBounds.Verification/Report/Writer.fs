namespace GenBounds.Verification

open System
open System.Globalization
open System.IO
open System.Net
open System.Security.Cryptography
open System.Text
open System.Text.Json
open System.Text.Json.Nodes
open GenBounds.Symbolic

/// Writes a report folder: report.json, report.md and report.html, atomically.
module ReportWriter =
    open ReportFormat

    let private scriptFiles = [ "vega.min.js"; "vega-lite.min.js"; "vega-embed.min.js" ]

    /// The default folder of the Vega scripts: .cache/js under the repository root (filled by scripts/setup.sh).
    let defaultScriptFolder () =
        match GenBounds.Runtime.CodeRevision.RepositoryRoot() with
        | null -> Path.Combine(Environment.CurrentDirectory, ".cache", "js")
        | root -> Path.Combine(root, ".cache", "js")

    /// Reads vega.min.js, vega-lite.min.js and vega-embed.min.js from `folder` (default: `defaultScriptFolder ()`).
    /// Raises FileNotFoundException naming the missing files and telling how to fetch them.
    let loadVegaScripts (folder: string option) =
        let dir = folder |> Option.defaultWith defaultScriptFolder
        let missing = scriptFiles |> List.filter (fun f -> not (File.Exists(Path.Combine(dir, f))))

        if not missing.IsEmpty then
            raise (
                FileNotFoundException(
                    sprintf "the HTML report needs %s in %s (not found); run `bash scripts/setup.sh` to fetch them"
                        (String.Join(", ", missing)) dir
                )
            )

        let read f = File.ReadAllText(Path.Combine(dir, f), Encoding.UTF8)
        { Vega = read "vega.min.js"; VegaLite = read "vega-lite.min.js"; VegaEmbed = read "vega-embed.min.js" }

    let private tryDelete (dir: string) =
        try
            if Directory.Exists dir then Directory.Delete(dir, true)
        with
        | :? IOException
        | :? UnauthorizedAccessException -> ()

    /// Writes `files` (name, writer) into folder `target`, all or nothing: they are written into a hidden sibling
    /// folder which is renamed to `target` only when complete. An existing `target` is replaced only then (moved
    /// aside, the new folder moved in, the old one deleted; if moving in fails it is moved back). On failure no
    /// temporary folder remains.
    let writeFolderAtomically (target: string) (files: (string * (Stream -> unit)) list) =
        let full = Path.GetFullPath(target).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)
        let parent = Path.GetDirectoryName full
        let name = Path.GetFileName full

        if String.IsNullOrEmpty parent || String.IsNullOrEmpty name then
            raise (ArgumentException(sprintf "cannot write a report folder at '%s'" target))

        if File.Exists full then
            raise (IOException(sprintf "cannot write the report folder %s: a file of that name exists" full))

        Directory.CreateDirectory parent |> ignore
        // The suffix only has to avoid collisions between concurrent writers, so it comes from the OS generator.
        let suffix = Convert.ToHexString(RandomNumberGenerator.GetBytes 6).ToLowerInvariant()
        let temp = Path.Combine(parent, sprintf ".%s.tmp-%s" name suffix)
        Directory.CreateDirectory temp |> ignore

        try
            for (file, write) in files do
                use stream = new FileStream(Path.Combine(temp, file), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 <<< 16)
                write stream
                stream.Flush(true)
        with _ ->
            tryDelete temp
            reraise ()

        if Directory.Exists full then
            let old = Path.Combine(parent, sprintf ".%s.old-%s" name suffix)
            Directory.Move(full, old)

            try
                Directory.Move(temp, full)
            with _ ->
                Directory.Move(old, full)
                tryDelete temp
                reraise ()

            tryDelete old
        else
            try
                Directory.Move(temp, full)
            with _ ->
                tryDelete temp
                reraise ()

    let private textWriter (text: string) (stream: Stream) =
        let bytes = UTF8Encoding(false).GetBytes text
        stream.Write(bytes, 0, bytes.Length)

    /// Writes report.json, report.md and report.html into `folder` atomically (see `writeFolderAtomically`).
    let write (scripts: VegaScripts) (report: Report) (folder: string) =
        // Render everything before touching the disk: a rendering error then leaves nothing behind at all.
        let json = ReportJson.toJsonText report
        let md = ReportMarkdown.toMarkdown report
        let page = ReportHtml.toHtml scripts report
        writeFolderAtomically folder [ "report.json", textWriter json; "report.md", textWriter md; "report.html", textWriter page ]
        let full = Path.GetFullPath folder

        { Folder = full
          Json = Path.Combine(full, "report.json")
          Markdown = Path.Combine(full, "report.md")
          Html = Path.Combine(full, "report.html") }

