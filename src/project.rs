//! `kubedrill project`. IMPLEMENTATION IN PROGRESS.
