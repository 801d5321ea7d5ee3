module GenBounds.Tests.CatalogTests

open Xunit
open GenBounds.Symbolic
open GenBounds.Proofs

/// Reports, replay seeds and `--lemmas` filters address statements by id, so an id must name one statement across
/// every paper's catalog, and a mutant must name the statement it corrupts.
[<Fact>]
let ``statement ids are unique across all catalogs and every mutant points at a catalogued statement`` () =
    let all = Catalog.statements @ Catalog.mutants
    let dupes = all |> List.countBy (fun s -> s.Id) |> List.filter (fun (_, n) -> n > 1)
    Assert.True(dupes.IsEmpty, sprintf "duplicate ids: %A" dupes)
    let ids = Catalog.statements |> List.map (fun s -> s.Id) |> Set.ofList
    for m in Catalog.mutants do
        match m.Mutation with
        | Some mu -> Assert.True(ids.Contains mu.OriginalId, sprintf "%s corrupts unknown %s" m.Id mu.OriginalId)
        | None -> failwithf "%s is listed as a mutant but carries no mutation" m.Id

/// Each paper the verifier knows contributes its catalog; a paper whose entries vanished from the union would be
/// silently unverifiable.
[<Fact>]
let ``the catalog holds the Guha and both Arora catalogs`` () =
    let prefixes = Catalog.statements |> List.map (fun s -> s.Id.Split('-').[0]) |> Set.ofList
    Assert.Equal<Set<string>>(set [ "GUHA"; "ARORA" ], prefixes)
    for part in [ Arora2018Compression.statements; Arora2018NoiseStability.statements; Guha2023.statements ] do
        Assert.All(part, fun s -> Assert.Contains(s, Catalog.statements))
