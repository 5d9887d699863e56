use super::*;

#[test]
fn first_not_utf8_names_the_column() {
    let check = |fields: &[&[u8]]| first_not_utf8(fields.iter().copied());
    assert_eq!(check(&[b"a", "\u{e9}t\u{e9}".as_bytes()]), None);
    assert_eq!(check(&[b"ok", b"\xff", b"x"]), Some(2));
    // The halves of one character in two fields: the first of them.
    assert_eq!(check(&[b"x", b"a\xc3", b"\xa9b"]), Some(2));
}

/// Rows of white space are left out, whether a line or a parsed record; the first bytes
/// that are not UTF-8 are an error with their row and column.
#[test]
fn blank_rows_and_bad_bytes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("input.csv");
    let options = super::super::ReadOptions {
        encoding: Some("utf-8".to_string()),
        ..super::super::ReadOptions::default()
    };
    // Each record's row and cells, or the row and column of the first bytes that are not
    // UTF-8.
    type Read = Result<Vec<(usize, Vec<String>)>, (usize, usize)>;
    let read = |bytes: &[u8]| -> Read {
        std::fs::write(&path, bytes).expect("write");
        let unreadable = |error| match error {
            SourceError::NotUtf8 { row, column, .. } => (row, column),
            other => panic!("{other}"),
        };
        let table = super::super::open(&path, &options).map_err(unreadable)?;
        table
            .records
            .map(|record| {
                let record = record.map_err(unreadable)?;
                Ok((record.row, record.cells.iter().map(Cell::to_text).collect()))
            })
            .collect()
    };
    let text = |cells: &[&str]| cells.iter().map(|cell| cell.to_string()).collect();
    let lines = b"h1,h2\n   , \xc2\xa0\n\"\",\"\"\n\x0b,\t\n,\nx,\"y\"\n\nv,w\nz,1?\nq,r\n";
    assert_eq!(
        read(lines),
        Ok(vec![
            (6, text(&["x", "y"])),
            (8, text(&["v", "w"])),
            (9, text(&["z", "1?"])),
            (10, text(&["q", "r"])),
        ])
    );
    let mut broken = lines.to_vec();
    let at = broken.iter().position(|&byte| byte == b'?').expect("a ?");
    broken[at] = 0xff;
    assert_eq!(read(&broken), Err((9, 2)));
}

fn check_dialect(sample: &str, delimiter: u8, quote: u8) {
    let found = detect_dialect(sample.as_bytes(), false, None, None);
    assert_eq!(
        (found.delimiter as char, found.quote as char),
        (delimiter as char, quote as char),
        "{sample:?}"
    );
}

#[test]
fn dialects() {
    check_dialect("a,b,c\n1,2,3\n", b',', b'"');
    check_dialect("a;b;c\n1,5;2;3\n", b';', b'"');
    check_dialect("a\tb\n1\t2\n", b'\t', b'"');
    check_dialect("a|b|c\n1|2|3\n", b'|', b'"');
    check_dialect("name,note\n\"x;y\",\"1;2;3\"\n", b',', b'"');
    check_dialect("name,note\n'x,y',z\n'a,b',c\n", b',', b'\'');
    check_dialect("name,city\nO'Brien,Cork\nD'Arcy,Paris\n", b',', b'"');
    check_dialect("Report of March\n\na;b;c\n1;2;3\n4;5;6\n", b';', b'"');
    check_dialect("single\nvalue\n", b',', b'"');
}

fn check_encoding(bytes: &[u8], expected: &str) {
    let encoding = choose_encoding(bytes, None, "f").expect("an encoding");
    assert_eq!(encoding.name(), expected, "{bytes:?}");
}

#[test]
fn encodings() {
    check_encoding(b"name\nplain ascii\n", "UTF-8");
    check_encoding("name\ncaf\u{e9}\n".as_bytes(), "UTF-8");
    check_encoding(b"\xEF\xBB\xBFname\n", "UTF-8");
    check_encoding(b"\xFF\xFEn\0a\0", "UTF-16LE");
    check_encoding(b"\xFE\xFF\0n\0a", "UTF-16BE");
    check_encoding(
        b"name;city\nM\xfcller;K\xf6ln\nGarc\xeda;M\xe1laga\n",
        "windows-1252",
    );
    // A character cut by the end of the sample is still UTF-8.
    check_encoding(&"name\ncaf\u{e9}".as_bytes()[..9], "UTF-8");
    assert!(choose_encoding(b"x", Some("klingon"), "f").is_err());
    assert_eq!(
        choose_encoding(b"x", Some("latin1"), "f")
            .expect("latin1")
            .name(),
        "windows-1252"
    );
}
/// Hands out its bytes a few at a time, as a slow pipe does.
struct Trickle<'a> {
    bytes: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let count = self.step.min(self.bytes.len()).min(buffer.len());
        buffer[..count].copy_from_slice(&self.bytes[..count]);
        self.bytes = &self.bytes[count..];
        Ok(count)
    }
}

#[test]
fn line_ends_become_lf_however_the_bytes_arrive() {
    let input = b"a,b\r\n1,\"x\r\ny\"\r\n\r\n2,z\r3,w\n\r\r4,v\r\n";
    let expected = b"a,b\n1,\"x\ny\"\n\n2,z\n3,w\n\n\n4,v\n";
    for step in 1..=input.len() {
        let mut lines = NormalisedLines::new(Trickle { bytes: input, step });
        let mut output = Vec::new();
        let mut buffer = [0u8; 7];
        loop {
            let read = lines.read(&mut buffer).expect("read");
            if read == 0 {
                break;
            }
            output.extend_from_slice(&buffer[..read]);
        }
        assert_eq!(
            String::from_utf8_lossy(&output),
            String::from_utf8_lossy(expected),
            "step {step}"
        );
        assert_eq!(lines.emitted, expected.len() as u64);
    }
}
