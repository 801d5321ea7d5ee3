module GenBounds.Tests.SymbolicStatementTests

open System.Xml.Linq
open Xunit
open GenBounds.Symbolic
open GenBounds.Symbolic.Operators

let private X i j = matAt "X" i j
let private C = sym "C"

/// GUHA-LB.1 (Latała 2005, Thm 2): E‖X‖₂ ≤ C(max_i √Σ_j E X_ij² + max_j √Σ_i E X_ij² + (Σ E X_ij⁴)^{1/4}).
let latala =
    let bracket =
        maxOver "i" (sqrt (sumOver "j" (expect (X "i" "j" ** 2))))
        + maxOver "j" (sqrt (sumOver "i" (expect (X "i" "j" ** 2))))
        + root 4 (sumOver "i" (sumOver "j" (expect (X "i" "j" ** 4))))

    { Statement.create
        "GUHA-LB.1"
        "Latała's norm bound"
        { Source = "Guha, Dubey, Huo 2023"; Section = "App. B.2"; Equation = Some "Lemma B.1" }
        [ Provenance.Ext ]
        "The expected spectral norm of a matrix with independent mean-zero entries is bounded by row, column and fourth-moment terms."
        (Conclusion.WithUniversalConstant(Conclusion.InExpectation(sym "normX" <=. C * bracket, "X"), "C")) with
        Variables =
            [ { Statement.var "normX" "spectral norm of X, averaged over draws" Domain.nonNegative with
                  Glyph = Some(Glyph.Norm(Glyph.Name "X", "2")) }
              Statement.matrixVar "X" "random matrix" Domain.anyReal ]
        Hypotheses =
            [ Hypothesis.NamedAssumption("indep", "entries independent")
              Hypothesis.NamedAssumption("mean0", "entries mean zero with finite fourth moments") ] }

/// GUHA-L4.2 (reconstructed): with probability ≥ 1 − ε_l, ‖W − Ŵ‖₂ ≤ Γ_l / ε_l.
let perLayer =
    let d, psi, h, hPrev, eps = sym "d", sym "Psi", sym "h_l", sym "h_{l-1}", sym "eps_l"
    let ratio = d / (d + 2)
    let gamma = C * sqrt psi * ((sqrt h + sqrt hPrev) * ratio ** frac 3 4 + root 4 (3 * h * hPrev) * ratio ** frac 5 8)

    { Statement.create
        "GUHA-L4.2"
        "Per-layer pruning error"
        (Statement.cite "Guha, Dubey, Huo 2023" "§4.1")
        [ Provenance.Recon ]
        "Randomized magnitude pruning perturbs a Gaussian layer by at most Gamma_l/eps_l in spectral norm."
        (Conclusion.WithUniversalConstant(Conclusion.WithProbability(sym "normDelta" <=. gamma / eps, eps, "W^l and the mask"), "C")) with
        Variables =
            [ Statement.var "eps_l" "failure probability" Domain.confidence
              Statement.var "d" "pruning strength" Domain.positive
              Statement.var "h_l" "output width" Domain.positiveInteger ]
        Hypotheses =
            [ Hypothesis.NamedAssumption("A3.1", "weights i.i.d. Gaussian N(0, Psi_l)")
              Hypothesis.Condition(eps <=. num 1) ]
        Notes = [ "the paper's grouping of terms is unverified" ] }

[<Fact>]
let ``a probabilistic statement renders hypotheses, implication and the confidence in LaTeX`` () =
    let tex = Statement.toLatex perLayer
    Assert.StartsWith(@"\begin{aligned}&\text{GUHA-L4.2: Per-layer pruning error [RECON]", tex)
    Assert.Contains(@"&\text{Assume (A3.1) weights i.i.d. Gaussian N(0, Psi\_l)}", tex)
    Assert.Contains(@"\text{Assume }\epsilon_{l} \le 1", tex)
    Assert.Contains(@"\Longrightarrow \mathrm{normDelta} \le \frac{", tex)
    Assert.Contains(@"\text{ with probability at least }1 - \epsilon_{l}\text{ over W\^{}l and the mask}", tex)
    Assert.Contains(@"\text{, for a universal constant }C", tex)
    Assert.Contains(@"\text{Note: the paper's grouping of terms is unverified}", tex)

[<Fact>]
let ``statement text and MathML carry the same content`` () =
    let lines = (Statement.toText latala).Split('\n')
    Assert.Equal("GUHA-LB.1: Latała's norm bound [EXT] (Guha, Dubey, Huo 2023, App. B.2, Lemma B.1).", lines.[0])
    Assert.Equal("=> ||X||_2 <= C*((sum_i sum_j E[X_ij^4])^(1/4) + max_i sqrt(sum_j E[X_ij^2]) + max_j sqrt(sum_i E[X_ij^2])) (expectation over X), for a universal constant C", lines |> Array.last)
    let doc = XDocument.Parse(Statement.toMathML latala)
    let rows = doc.Descendants(XName.Get("mtr", "http://www.w3.org/1998/Math/MathML")) |> Seq.length
    Assert.Equal(lines.Length, rows)

[<Fact>]
let ``a statement lists the names to bind and its universal constants`` () =
    Assert.Equal<Set<string>>(set [ "C"; "E[X^2]"; "E[X^4]"; "normX" ], Statement.symbols latala)
    Assert.Equal<string list>([ "C" ], Statement.constants latala.Conclusion)
    Assert.Contains("eps_l", Statement.symbols perLayer)

[<Fact>]
let ``the smallest universal constant is computed from a statement's relation`` () =
    let bindings =
        Bindings.empty
        |> Bindings.matrix "E[X^2]" (array2D [ [ 1.0; 1.0 ]; [ 1.0; 1.0 ] ])
        |> Bindings.matrix "E[X^4]" (array2D [ [ 3.0; 3.0 ]; [ 3.0; 3.0 ] ])
        |> Bindings.scalar "normX" 2.0

    let r = Statement.relation latala.Conclusion
    // bracket = sqrt 2 + sqrt 2 + 12^(1/4)
    let expected = 2.0 / (2.0 * sqrt 2.0 + 12.0 ** 0.25)

    match Relation.smallestConstantValue "C" bindings r with
    | Some(Value.Real c) -> Assert.Equal(expected, c, 12)
    | other -> failwithf "expected a constant, got %A" other

[<Fact>]
let ``a mutant keeps provenance, records what was broken and can be falsified`` () =
    let tightened = perLayer |> Statement.mutate "constant" "C replaced by C/10" (Relation.substitute "C" (sym "C" / 10))
    Assert.Equal("GUHA-L4.2~mutant-constant", tightened.Id)
    Assert.Equal(Some { OriginalId = "GUHA-L4.2"; Description = "C replaced by C/10"; Kind = MutantKind.FalseOnPurpose }, tightened.Mutation)
    Assert.Equal<Provenance list>(perLayer.Provenance, tightened.Provenance)
    Assert.Contains("MUTANT (false on purpose) of GUHA-L4.2: C replaced by C/10", Statement.toText tightened)
    Assert.Equal(MutantKind.Diagnostic, (Statement.diagnostic tightened).Mutation.Value.Kind)

    let bindings = Bindings.ofScalars [ "C", 1.0; "Psi", 1.0; "d", 1.0; "h_l", 100.0; "h_{l-1}", 100.0; "eps_l", 1.0; "normDelta", 10.0 ]
    Assert.True(Relation.holds (Relation.check Accuracy.High bindings (Statement.relation perLayer.Conclusion)))
    Assert.False(Relation.holds (Relation.check Accuracy.High bindings (Statement.relation tightened.Conclusion)))

    let dropped = perLayer |> Statement.dropHypotheses "no-gaussian" "A3.1 dropped" (function Hypothesis.NamedAssumption("A3.1", _) -> true | _ -> false)
    Assert.Equal(1, dropped.Hypotheses.Length)

[<Fact>]
let ``domains check membership with open and integer ends`` () =
    Assert.False(Domain.contains Domain.confidence 0.0)
    Assert.True(Domain.contains Domain.confidence 1.0)
    Assert.False(Domain.contains Domain.positiveInteger 2.5)
    Assert.False(Domain.contains Domain.anyReal nan)
    Assert.Equal("real (0, 1]", Domain.format Domain.confidence)

[<Fact>]
let ``MathML keeps the spaces around text pieces and the formula holds only mathematics`` () =
    let s =
        { perLayer with
            Hypotheses = [ Hypothesis.Condition(sym "k" >=. sym "m"); Hypothesis.NamedAssumption("A", "a long prose assumption") ]
            Definitions = [ "m", sym "h_l" * 2 ] }
    let mathml = Statement.toFormulaMathML s
    Assert.Contains("<mtext>Assume\u00A0</mtext>", mathml)
    Assert.Contains("<mtext>where\u00A0</mtext>", mathml)
    Assert.DoesNotContain("a long prose assumption", mathml)
    Assert.DoesNotContain(s.Informal, mathml)
    Assert.DoesNotContain("Note:", mathml)
    Assert.DoesNotMatch("<mtext>[ ]|[ ]</mtext>", mathml)
    // "where" definitions are evaluated by the checker: they are not symbols an experiment must bind.
    Assert.DoesNotContain("m", Statement.experimentSymbols s)
    Assert.Contains("h_l", Statement.experimentSymbols s)
