//! stepup-server
