//! `kubedrill completion SHELL` and `kubedrill man`: shell completions (clap_complete) and a
//! roff man page (clap_mangen), both generated from the one argument definition the caller
//! passes in (`crate::app`'s, so they never drift from the real flags; taking it as a value
//! keeps this module below `app`, without an import cycle).
//!
//! It must not define arguments of its own beyond those two subcommands.

use crate::exit::CliError;

/// The shells `completion` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    /// Bash (`source <(kubedrill completion bash)`).
    Bash,
    /// Zsh (write it as `_kubedrill` into a directory of `$fpath`).
    Zsh,
    /// Fish (`kubedrill completion fish > ~/.config/fish/completions/kubedrill.fish`).
    Fish,
    /// PowerShell (`kubedrill completion powershell | Out-String | Invoke-Expression`).
    Powershell,
}

/// Writes the completion script of `cmd` for `shell` to stdout.
pub fn completion(mut cmd: clap::Command, shell: Shell) -> Result<(), CliError> {
    use clap_complete::Shell as S;
    let shell = match shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Powershell => S::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "kubedrill", &mut script);
    crate::output::document(&script)?;
    Ok(())
}

/// Writes the man page (roff) to stdout: `kubedrill man | man -l -`. Its SUBCOMMANDS section
/// lists every visible subcommand; `kubedrill SUBCOMMAND --help` has their options.
pub fn man(cmd: clap::Command) -> Result<(), CliError> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    crate::output::document(&page)?;
    Ok(())
}
