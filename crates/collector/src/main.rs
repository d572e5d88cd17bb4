fn main() {
    std::process::exit(guidepost_collector::cli::main());
}
