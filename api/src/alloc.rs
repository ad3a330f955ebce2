//! The process's global allocator, chosen by a cargo feature (api/Cargo.toml).
//!
//! A GraphQL response is thousands of small, short-lived allocations (field futures, `ConstValue`s, `IndexMap`s,
//! JSON strings) made and freed across worker threads; glibc's malloc spent about 30% of the server's samples on
//! them. mimalloc's thread-local free lists cut the inbox page's server CPU per request by about a third (figures in
//! BENCHMARKS.md, "Allocator").

#[cfg(all(feature = "mimalloc", not(feature = "jemalloc")))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
