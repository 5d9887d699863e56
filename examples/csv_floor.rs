//! The floor for validation benchmarks: read every record of a CSV file with the csv crate and
//! do nothing else. `cargo run --release --example csv_floor FILE`

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: csv_floor FILE");
        return ExitCode::from(2);
    };
    let mut reader = match csv::Reader::from_path(&path) {
        Ok(reader) => reader,
        Err(error) => {
            eprintln!("error: {path}: {error}");
            return ExitCode::from(2);
        }
    };
    let mut record = csv::ByteRecord::new();
    let (mut records, mut bytes) = (0u64, 0u64);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                records += 1;
                bytes += record.as_slice().len() as u64;
            }
            Ok(false) => break,
            Err(error) => {
                eprintln!("error: {path}: {error}");
                return ExitCode::from(2);
            }
        }
    }
    eprintln!("{records} records, {bytes} bytes of fields");
    ExitCode::SUCCESS
}
