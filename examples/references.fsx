// GenBounds' assemblies from this checkout's build (`dotnet build src/GenBounds.Cli -c Release`; both README commands
// build it). A lemma script `#load`s this file when it runs under `dotnet fsi`; inside `genbounds verify --lemmas-file`
// (GENBOUNDS_HOST) the assemblies are already there.
#r "../src/GenBounds.Cli/bin/Release/net10.0/System.Numerics.Tensors.dll"
#r "../src/GenBounds.Cli/bin/Release/net10.0/MathNet.Numerics.dll"
#r "../src/GenBounds.Cli/bin/Release/net10.0/GenBounds.Engine.dll"
#r "../src/GenBounds.Cli/bin/Release/net10.0/GenBounds.Symbolic.dll"
#r "../src/GenBounds.Cli/bin/Release/net10.0/GenBounds.Proofs.dll"
#r "../src/GenBounds.Cli/bin/Release/net10.0/GenBounds.Verification.dll"
