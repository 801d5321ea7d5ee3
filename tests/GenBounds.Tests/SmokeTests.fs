module GenBounds.Tests.SmokeTests

open Xunit

[<Fact>]
let ``the F# test assembly sees the C# engine`` () =
    let r = GenBounds.Random.Rng(0UL)
    Assert.Equal(0xE220A8397B1DCDAFUL, r.NextUInt64())
