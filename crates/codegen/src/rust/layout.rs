//! rustfmt's layout for the generated lines that grow with spec names: function
//! signatures and type aliases. The Rust backend emits formatted code directly (no
//! toolchain needed at generation time), so where a line's length depends on a name these
//! helpers choose the same breaks rustfmt would (max width 100, 4-space indentation).
//! Everything else is written with fixed-width lines or `Self`, which never need breaking.

use crate::writer::Writer;

/// rustfmt's default `max_width`.
const MAX_WIDTH: usize = 100;

/// Writes `{head}({params}) -> {ret} {` as rustfmt lays out a function signature: on one
/// line when it fits, else one parameter per line; then the return type after `) -> `,
/// with the brace on its own line when only the brace does not fit, or the return type's
/// generic arguments one per line when the type itself does not fit. Only for functions
/// at depth 0 or 1 (items and methods), where its budgets were measured. The body follows,
/// one level deeper, from the caller; the caller also writes the closing `}`.
pub fn signature(w: &mut Writer, head: &str, params: &[&str], ret: &str) {
    let width = w.depth() * 4;
    let one_line = format!("{head}({}) -> {ret} {{", params.join(", "));
    if width + one_line.len() <= MAX_WIDTH {
        w.line(one_line);
        return;
    }
    w.line(format!("{head}("));
    for param in params {
        w.line(format!("    {param},"));
    }
    // rustfmt's budgets here, measured on rustfmt 1.9 at depths 0 and 1: the brace
    // stays when the line plus the indentation (counted twice) fits; the type alone
    // stays unbroken up to two columns past the width.
    let closing = format!(") -> {ret}");
    if 2 * width + closing.len() + 2 <= MAX_WIDTH {
        w.line(format!("{closing} {{"));
    } else if width + closing.len() <= MAX_WIDTH + 2 {
        w.line(closing);
        w.line("{");
    } else {
        generic_lines(w, ") -> ", ret, " {");
    }
}

/// Writes `{lhs}{ty};` (e.g. `pub type X = ...;`) as rustfmt lays out the right-hand side
/// of an item: on the same line when it fits, else on the next line, indented, when it
/// fits there, else with the type's generic arguments one per line.
pub fn assign_type(w: &mut Writer, lhs: &str, ty: &str) {
    let width = w.depth() * 4;
    let one_line = format!("{lhs} {ty};");
    if width + one_line.len() <= MAX_WIDTH {
        w.line(one_line);
    } else if width + format!("    {ty};").len() <= MAX_WIDTH {
        w.line(lhs);
        w.line(format!("    {ty};"));
    } else {
        generic_lines(w, &format!("{lhs} "), ty, ";");
    }
}

/// Writes the parameter line `{head}({arg}){tail}` whose type is a closure trait
/// (`mut pick: impl FnMut(` + argument + `) -> Option<T>,`) as rustfmt does: on one
/// line up to 105 columns (its budget there, measured on rustfmt 1.9), else with the
/// closure's argument on a line of its own.
pub fn closure_param(w: &mut Writer, head: &str, arg: &str, tail: &str) {
    let one_line = format!("{head}({arg}){tail}");
    if w.depth() * 4 + one_line.len() <= MAX_WIDTH + 5 {
        w.line(one_line);
    } else {
        w.line(format!("{head}("));
        w.line(format!("    {arg},"));
        w.line(format!("){tail}"));
    }
}

/// `{before}Base<` / one argument per line / `>{after}`; a type without generic
/// arguments (which rustfmt cannot break) stays on one line.
fn generic_lines(w: &mut Writer, before: &str, ty: &str, after: &str) {
    match split_generics(ty) {
        Some((base, args)) => {
            w.line(format!("{before}{base}<"));
            for arg in args {
                w.line(format!("    {arg},"));
            }
            w.line(format!(">{after}"));
        }
        None => {
            w.line(format!("{before}{ty}{after}"));
        }
    }
}

/// `Base<A, B<C, D>>` → (`Base`, [`A`, `B<C, D>`]): the outermost generic arguments.
fn split_generics(ty: &str) -> Option<(&str, Vec<&str>)> {
    let open = ty.find('<')?;
    let inner = ty[open + 1..].strip_suffix('>')?;
    let mut args = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                args.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    args.push(inner[start..].trim());
    Some((&ty[..open], args))
}

#[cfg(test)]
mod tests {
    //! Each layout is compared with what the real rustfmt makes of it, over a range of
    //! name lengths that crosses every break point.

    use std::io::Write as _;
    use std::process::{Command, Stdio};

    use super::{assign_type, closure_param, signature, split_generics};
    use crate::writer::Writer;

    fn rustfmt(source: &str) -> String {
        let mut child = Command::new("rustfmt")
            .args(["--edition", "2024", "--emit", "stdout"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("rustfmt on PATH");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(source.as_bytes()).unwrap();
        drop(stdin);
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "rustfmt failed on:\n{source}");
        String::from_utf8(output.stdout).unwrap()
    }

    #[test]
    fn splits_only_the_outermost_arguments() {
        assert_eq!(
            split_generics("::std::result::Result<A<B, C>, (D, E)>"),
            Some(("::std::result::Result", vec!["A<B, C>", "(D, E)"]))
        );
        assert_eq!(split_generics("Plain"), None);
    }

    #[test]
    fn signatures_match_rustfmt() {
        for in_impl in [false, true] {
            for length in 30..75 {
                let ret = format!(
                    "::std::result::Result<{}, crate::Error>",
                    "N".repeat(length)
                );
                let mut w = Writer::new("    ");
                if in_impl {
                    w.line("impl X {");
                }
                let body = |w: &mut Writer| {
                    signature(
                        w,
                        "pub async fn connect",
                        &["&self", "params: Params"],
                        &ret,
                    );
                    w.line("    todo!()");
                    w.line("}");
                };
                if in_impl {
                    w.indent(body);
                    w.line("}");
                } else {
                    body(&mut w);
                }
                let ours = w.finish();
                assert_eq!(rustfmt(&ours), ours, "return type of {length} characters");
            }
        }
    }

    #[test]
    fn closure_params_match_rustfmt() {
        for length in 30..80 {
            let arg = "N".repeat(length);
            let mut w = Writer::new("    ");
            w.line("impl X {");
            w.indent(|w| {
                w.line("pub async fn wait_for<T>(");
                w.indent(|w| {
                    w.line("&mut self,");
                    let tail = " -> ::std::option::Option<T>,";
                    closure_param(w, "mut pick: impl FnMut", &arg, tail);
                });
                w.line(") -> ::std::result::Result<T, crate::Error> {");
                w.line("    todo!()");
                w.line("}");
            });
            w.line("}");
            let ours = w.finish();
            assert_eq!(rustfmt(&ours), ours, "argument of {length} characters");
        }
    }

    #[test]
    fn type_aliases_match_rustfmt() {
        for length in 30..95 {
            let ty = format!(
                "::std::result::Result<{}, crate::Error>",
                "N".repeat(length)
            );
            let mut w = Writer::new("    ");
            assign_type(&mut w, "pub type Received =", &ty);
            let ours = w.finish();
            assert_eq!(rustfmt(&ours), ours, "type of {length} characters");
        }
    }
}
