//! The server under test: the release `parlor` binary, built with cargo unless given, started with
//! `parlor serve` on a free loopback port over the prepared database, and stopped with SIGTERM.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `cargo build --release -p api --bin parlor` in `root`, and the path of the binary cargo reports.
pub fn build_release(root: &Path) -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("parlor-bench: cargo build --release -p api --bin parlor");
    let out = Command::new(cargo)
        .args(["build", "--release", "-p", "api", "--bin", "parlor", "--message-format=json-render-diagnostics"])
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .context("run cargo build")?;
    if !out.status.success() {
        bail!("cargo build --release -p api failed");
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["reason"] == "compiler-artifact" && v["target"]["name"] == "parlor")
        .find_map(|v| v["executable"].as_str().map(PathBuf::from))
        .context("cargo reported no parlor executable")
}

/// How to start the server.
pub struct ServerOptions<'a> {
    pub binary: &'a Path,
    pub database_url: &'a str,
    /// `RUST_LOG` for the server: per-request logging at `info` costs CPU that users need not pay.
    pub log_filter: &'a str,
    /// Where the server's stderr (its log) goes.
    pub log_file: &'a Path,
    /// `--db-pool`, when not the server's default.
    pub db_pool: Option<u32>,
    /// `--rate-limit`.
    pub rate_limit: &'a str,
}

/// An admin API key of `workspace` for the run, made with `parlor api-key create` on the run's copy of the
/// database; its secret.
pub fn api_key(binary: &Path, database_url: &str, workspace: &str) -> Result<String> {
    let out = Command::new(binary)
        .args(["api-key", "create", "--workspace", workspace, "--name", "parlor-bench", "--role", "admin"])
        // The largest budget: the load measures the limiter's cost, never its refusals.
        .args(["--budget", "4294967295"])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("run {} api-key create", binary.display()))?;
    anyhow::ensure!(out.status.success(), "parlor api-key create failed");
    Ok(String::from_utf8(out.stdout).context("the key is not UTF-8")?.trim().to_owned())
}

/// A running `parlor serve`; stopped (SIGTERM, then SIGKILL) on [`Server::stop`] or drop.
pub struct Server {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub pid: u32,
}

impl Server {
    pub fn start(opts: &ServerOptions<'_>) -> Result<Server> {
        let log = std::fs::File::create(opts.log_file)
            .with_context(|| format!("create the server log {}", opts.log_file.display()))?;
        let mut cmd = Command::new(opts.binary);
        // Every subscriber of the fan-out is a socket of the one bench key.
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--demo-data", "no", "--max-sockets-per-principal", "1000000"])
            .args(["--rate-limit", opts.rate_limit])
            .env("DATABASE_URL", opts.database_url)
            .env("RUST_LOG", opts.log_filter)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        if let Some(pool) = opts.db_pool {
            cmd.args(["--db-pool", &pool.to_string()]);
        }
        let mut child = cmd.spawn().with_context(|| format!("start {}", opts.binary.display()))?;
        let pid = child.id();
        let stdout = child.stdout.take().context("server stdout")?;
        let (tx, rx) = mpsc::channel();
        // Reads the address line, then keeps draining stdout so that the server never blocks on it.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("Parlor listening on http://")
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(addr.trim().to_owned());
                }
            }
        });
        let mut server = Server { child: Some(child), addr: SocketAddr::from(([127, 0, 0, 1], 0)), pid };
        let started = Instant::now();
        let addr = loop {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(addr) => break addr,
                Err(mpsc::RecvTimeoutError::Timeout) if started.elapsed() < Duration::from_secs(300) => {
                    if let Some(status) = server.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                        bail!("the server exited with {status} before listening; see {}", opts.log_file.display());
                    }
                }
                Err(_) => bail!("the server did not start listening; see {}", opts.log_file.display()),
            }
        };
        server.addr = addr.parse().with_context(|| format!("server address {addr:?}"))?;
        Ok(server)
    }

    /// SIGTERM (in-flight requests finish), then SIGKILL after 15 s.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}
