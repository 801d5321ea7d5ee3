module GenBounds.Cli.Program

[<EntryPoint>]
let main _ = 0
