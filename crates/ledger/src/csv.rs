//! CSV as spreadsheets and banks' upload forms read it (RFC 4180: fields with a comma, quote
//! or line break are quoted, quotes doubled; lines end in CRLF). Every document opens with
//! the UTF-8 byte-order mark, so a spreadsheet opened by double-click (Excel) reads the
//! Vietnamese as UTF-8 instead of the system's code page.

/// The UTF-8 byte-order mark every document starts with.
pub const BOM: &str = "\u{feff}";

/// A CSV document being written.
pub struct Csv(String);

impl Csv {
    /// A document with the byte-order mark and this header line.
    pub fn new(header: &[&str]) -> Self {
        let mut c = Self(BOM.to_owned());
        c.row(header);
        c
    }

    /// A document without a header line: the lines that follow a part already written.
    pub fn headless() -> Self {
        Self(String::new())
    }

    /// Adds an empty line (between the entries and a block of totals).
    pub fn blank(&mut self) {
        self.0.push_str("\r\n");
    }

    /// Adds a line.
    pub fn row(&mut self, fields: &[&str]) {
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            // A leading =, +, - or @ would be a formula to a spreadsheet: quote it as text.
            let formula =
                f.starts_with(['=', '+', '@']) || (f.starts_with('-') && f.parse::<i64>().is_err());
            if formula || f.contains([',', '"', '\n', '\r']) {
                self.0.push('"');
                if formula {
                    self.0.push('\'');
                }
                self.0.push_str(&f.replace('"', "\"\""));
                self.0.push('"');
            } else {
                self.0.push_str(f);
            }
        }
        self.0.push_str("\r\n");
    }

    /// The text.
    pub fn finish(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_when_they_must_be() {
        let mut c = Csv::new(&["a", "b"]);
        c.row(&["Nước mắm, 40 độ", "say \"hi\""]);
        c.row(&["=HYPERLINK(1)", "-120000"]);
        assert_eq!(
            c.finish(),
            "\u{feff}a,b\r\n\"Nước mắm, 40 độ\",\"say \"\"hi\"\"\"\r\n\"'=HYPERLINK(1)\",-120000\r\n"
        );
    }
}
