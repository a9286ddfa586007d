//! Man pages for the offline tools (`zedis-rdb`, `zedis-aof`): clap_mangen renders only a
//! command's top level, so this adds a COMMANDS section generated from every subcommand's own
//! clap definition (each flag documented once, where it is defined) and the hand-written sections.

/// Escapes text for roff: backslashes, and dashes so they stay hyphen-minus.
pub fn roff(s: &str) -> String {
    let s = s.replace('\\', "\\e").replace('-', "\\-");
    // A line starting with a dot or quote would be read as a request.
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

/// A COMMANDS section generated from the subcommands' own clap definitions, so every flag is
/// documented in this one page (clap_mangen only renders the top level).
pub fn commands_section(cmd: &clap::Command, bin: &str) -> String {
    let mut out = String::from(".SH COMMANDS\n");
    for sub in cmd.get_subcommands() {
        let mut usage = sub.clone().bin_name(format!("{bin} {}", sub.get_name()));
        let usage = usage.render_usage().to_string();
        let usage = usage.trim_start_matches("Usage: ");
        out.push_str(&format!(".SS \"{}\"\n", sub.get_name()));
        out.push_str(&format!(".B {}\n.br\n", roff(usage)));
        if let Some(about) = sub.get_about() {
            out.push_str(&format!("{}\n", roff(&about.to_string())));
        }
        for arg in sub.get_arguments() {
            if arg.is_hide_set() || matches!(arg.get_id().as_str(), "help" | "quiet") {
                continue;
            }
            let mut head = String::new();
            if let Some(l) = arg.get_long() {
                head.push_str(&format!("\\fB\\-\\-{}\\fR", roff(l)));
                if let Some(names) = arg.get_value_names() {
                    head.push_str(&format!(" \\fI{}\\fR", roff(&names.join(" "))));
                } else if arg.get_action().takes_values() {
                    head.push_str(&format!(
                        " \\fI{}\\fR",
                        roff(&arg.get_id().to_string().to_uppercase())
                    ));
                }
            } else {
                head.push_str(&format!(
                    "\\fI{}\\fR",
                    roff(&arg.get_id().to_string().to_uppercase())
                ));
            }
            out.push_str(&format!(".TP\n{head}\n"));
            let mut help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .map(|v| v.get_name().to_string())
                .collect();
            if !values.is_empty() {
                help.push_str(&format!(" (one of: {})", values.join(", ")));
            }
            let defaults: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            if !defaults.is_empty() && !defaults.iter().all(|d| d.is_empty()) {
                help.push_str(&format!("; default {}", defaults.join(",")));
            }
            out.push_str(&format!("{}\n", roff(&help)));
        }
    }
    out
}

/// The man page of `cmd` (binary `bin`): clap's sections, every subcommand's flags, then
/// `extra` (hand-written roff).
pub fn man_page(cmd: clap::Command, bin: &str, extra: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let section = commands_section(&cmd, bin);
    // Writing into a Vec cannot fail.
    let _ = clap_mangen::Man::new(cmd).render(&mut out);
    out.extend_from_slice(section.as_bytes());
    out.extend_from_slice(extra.as_bytes());
    out
}
