//! A faithful, stateful GREEN-API emulator on loopback (being built: issue 2).
