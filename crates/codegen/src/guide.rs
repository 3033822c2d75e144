//! A hand-written usage walkthrough (`duplex generate --guide FILE`) placed into a
//! generated README, so a package's README can teach its common tasks in code that its
//! own tests run. Every language backend calls [`insert`] on the README it wrote.

/// `readme` with `guide` placed just before the heading that follows `## Install`, or
/// before the first `## ` heading when there is no install section (or at the end when
/// there is no heading at all). No guide leaves `readme` as it is.
pub fn insert(readme: String, guide: Option<&str>) -> String {
    let Some(guide) = guide.map(str::trim).filter(|g| !g.is_empty()) else {
        return readme;
    };
    let from = readme
        .find("\n## Install")
        .map_or(0, |install| install + "\n## Install".len());
    let at = readme[from..]
        .find("\n## ")
        .map_or(readme.len(), |next| from + next + 1);
    let (before, rest) = readme.split_at(at);
    let mut out = String::with_capacity(readme.len() + guide.len() + 2);
    out.push_str(before);
    if !before.ends_with("\n\n") {
        out.push_str(if before.ends_with('\n') { "\n" } else { "\n\n" });
    }
    out.push_str(guide);
    out.push('\n');
    if !rest.is_empty() {
        out.push('\n');
        out.push_str(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::insert;

    #[test]
    fn goes_after_the_install_section() {
        let readme = "# X\n\n## Install\n\nnpm i x\n\n## Sockets\n\nmore\n".to_owned();
        assert_eq!(
            insert(readme.clone(), Some("## Walkthrough\n\nstep\n")),
            "# X\n\n## Install\n\nnpm i x\n\n## Walkthrough\n\nstep\n\n## Sockets\n\nmore\n"
        );
        assert_eq!(insert(readme.clone(), None), readme);
        assert_eq!(insert("# X\n".to_owned(), Some("## G")), "# X\n\n## G\n");
        assert_eq!(
            insert("# X\n\npip i x\n\n## Use\n".to_owned(), Some("## G")),
            "# X\n\npip i x\n\n## G\n\n## Use\n"
        );
    }
}
