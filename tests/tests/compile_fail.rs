//! The standards, enforced by the compiler: every rule and every kind of malformed attribute has a
//! case in `ui/<category>/` whose `.stderr` names the rule and the fix; `pass/` compiles every
//! feature.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*/*.rs");
    cases.pass("tests/pass/*.rs");
}
