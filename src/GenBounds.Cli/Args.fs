/// Command-line parsing: `genbounds COMMAND [POSITIONAL...] [--option VALUE] [--flag]`, validated against a per-command spec
/// so a typo is an error with a usage message (exit 2), never silently ignored.
module GenBounds.Cli.Args

open System
open System.Globalization

/// Raised for bad arguments; the message is shown to the user with the command's usage.
exception UsageError of string

/// One option of a command.
type OptionSpec =
    { Name: string
      /// None = a flag; Some placeholder = takes a value
      Value: string option
      Help: string
      Default: string option }

/// A command's name, summary, positional arguments and options.
type CommandSpec =
    { Name: string
      Summary: string
      Positionals: (string * string) list
      Options: OptionSpec list }

let flag name help = { Name = name; Value = None; Help = help; Default = None }
let opt name placeholder help dflt = { Name = name; Value = Some placeholder; Help = help; Default = dflt }

/// Parsed arguments of one command.
type Parsed =
    { Spec: CommandSpec
      Positionals: string list
      Values: Map<string, string>
      Flags: Set<string> }

    member p.Has name = p.Flags.Contains name || p.Values.ContainsKey name

    member p.TryGet name =
        match p.Values.TryFind name with
        | Some v -> Some v
        | None -> p.Spec.Options |> List.tryFind (fun o -> o.Name = name) |> Option.bind (fun o -> o.Default)

    member p.Get name =
        match p.TryGet name with
        | Some v -> v
        | None -> raise (UsageError(sprintf "--%s is required" name))

    member p.Int name =
        let v = p.Get name
        match Int32.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture) with
        | true, x -> x
        | _ -> raise (UsageError(sprintf "--%s expects an integer, got '%s'" name v))

    member p.UInt64 name =
        let v = p.Get name
        match UInt64.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture) with
        | true, x -> x
        | _ -> raise (UsageError(sprintf "--%s expects a non-negative integer, got '%s'" name v))

    member p.Float name =
        let v = p.Get name
        match Double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture) with
        | true, x when Double.IsFinite x -> x
        | _ -> raise (UsageError(sprintf "--%s expects a number, got '%s'" name v))

    member p.TryInt name = p.TryGet name |> Option.map (fun _ -> p.Int name)
    member p.TryFloat name = p.TryGet name |> Option.map (fun _ -> p.Float name)

/// Parses `argv` (after the command name) against `spec`.
let parse (spec: CommandSpec) (argv: string list) =
    let byName = spec.Options |> List.map (fun o -> o.Name, o) |> Map.ofList
    let rec go args pos (values: Map<string, string>) flags =
        match args with
        | [] -> { Spec = spec; Positionals = List.rev pos; Values = values; Flags = flags }
        | (a: string) :: rest when a.StartsWith "--" && a.Length > 2 ->
            let name, inline' =
                match a.Substring(2).Split('=', 2) with
                | [| n; v |] -> n, Some v
                | parts -> parts[0], None
            match byName.TryFind name with
            | None -> raise (UsageError(sprintf "unknown option --%s for '%s'" name spec.Name))
            | Some { Value = None } ->
                if inline'.IsSome then raise (UsageError(sprintf "--%s is a flag and takes no value" name))
                go rest pos values (Set.add name flags)
            | Some { Value = Some _ } ->
                match inline', rest with
                | Some v, _ -> go rest pos (Map.add name v values) flags
                | None, v :: rest' when not (v.StartsWith "--") -> go rest' pos (Map.add name v values) flags
                | None, _ -> raise (UsageError(sprintf "--%s needs a value" name))
        | a :: rest -> go rest (a :: pos) values flags
    let parsed = go argv [] Map.empty Set.empty
    if parsed.Positionals.Length > spec.Positionals.Length then
        raise (UsageError(sprintf "'%s' takes %d positional argument(s), got %d: %s" spec.Name spec.Positionals.Length parsed.Positionals.Length (String.Join(" ", parsed.Positionals))))
    parsed

/// Usage text of one command.
let usage (spec: CommandSpec) =
    let sb = Text.StringBuilder()
    let pos = spec.Positionals |> List.map (fun (n, _) -> " " + n) |> String.concat ""
    sb.AppendLine(sprintf "usage: genbounds %s%s [options]" spec.Name pos).AppendLine("  " + spec.Summary) |> ignore
    for (n, h) in spec.Positionals do sb.AppendLine(sprintf "  %-28s %s" n h) |> ignore
    for o in spec.Options do
        let left = match o.Value with Some v -> sprintf "--%s %s" o.Name v | None -> "--" + o.Name
        let dflt = match o.Default with Some d -> sprintf " (default: %s)" d | None -> ""
        sb.AppendLine(sprintf "  %-28s %s%s" left o.Help dflt) |> ignore
    sb.ToString()
