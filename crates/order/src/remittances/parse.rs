//! A remittance statement as the carrier exports it, in CSV: a header line naming the
//! columns, then one line per order. Columns are found by name (case and spaces ignored, in
//! English or as the carrier's Vietnamese export names them); others are ignored:
//! - the carrier's waybill: `order_code`, `tracking_no`, `Mã đơn GHN`, `Mã vận đơn`;
//! - our order number: `client_order_code`, `order_number`, `Mã đơn shop`,
//!   `Mã đơn khách hàng`;
//! - the cash collected: `cod_amount`, `cod`, `Tiền thu hộ`, `Tiền thu hộ (COD)`;
//! - the carrier's fees: `fee`, `total_fee`, `Phí`, `Tổng phí`.
//!
//! A waybill or a number is needed on each line, and the cash. Amounts are whole đồng,
//! written plainly (`150000`) or with thousands separated by `.` or `,` (`150.000`).
//! Fields follow RFC 4180 (quoted with `"`, quotes doubled); a byte-order mark is skipped.

use common::{Error, FieldCode, FieldError};

use super::{LineInput, MAX_LINES};

/// Which column holds what.
#[derive(Default)]
struct Columns {
    tracking_no: Option<usize>,
    order_number: Option<usize>,
    cod_amount: Option<usize>,
    fee: Option<usize>,
}

/// A header cell as compared: lower case, without spaces, `_` or brackets.
fn key(cell: &str) -> String {
    cell.trim()
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '(' | ')' | '-'))
        .collect()
}

impl Columns {
    fn of(header: &[String]) -> Result<Self, Error> {
        let mut c = Self::default();
        for (i, cell) in header.iter().enumerate() {
            let slot = match key(cell).as_str() {
                "ordercode" | "trackingno" | "mãđơnghn" | "mãvậnđơn" => &mut c.tracking_no,
                "clientordercode" | "ordernumber" | "mãđơnshop" | "mãđơnkháchhàng" => {
                    &mut c.order_number
                }
                "codamount" | "cod" | "tiềnthuhộ" | "tiềnthuhộcod" => &mut c.cod_amount,
                "fee" | "totalfee" | "phí" | "tổngphí" => &mut c.fee,
                _ => continue,
            };
            slot.get_or_insert(i);
        }
        let mut missing = Vec::new();
        if c.tracking_no.is_none() && c.order_number.is_none() {
            missing.push(FieldError::new(
                "body",
                FieldCode::Required,
                "the header must name a column order_code or client_order_code",
            ));
        }
        if c.cod_amount.is_none() {
            missing.push(FieldError::new(
                "body",
                FieldCode::Required,
                "the header must name a column cod_amount",
            ));
        }
        if missing.is_empty() {
            Ok(c)
        } else {
            Err(Error::validation(missing))
        }
    }
}

/// The records of a CSV document: fields split, quotes undone, blank lines skipped. `None`
/// when a quoted field is never closed.
fn records(text: &str) -> Option<Vec<Vec<String>>> {
    let mut out = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                if record.iter().any(|f| !f.trim().is_empty()) {
                    out.push(std::mem::take(&mut record));
                }
                record.clear();
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return None;
    }
    record.push(field);
    if record.iter().any(|f| !f.trim().is_empty()) {
        out.push(record);
    }
    Some(out)
}

/// A whole number of đồng: digits, or groups of three after the first separated by one `.`
/// or `,` throughout. `None` for anything else (a fraction, a sign, letters).
pub(super) fn amount(text: &str) -> Option<i64> {
    let t = text.trim();
    let sep = t.chars().find(|c| matches!(c, '.' | ','));
    let digits: String = match sep {
        None => t.to_owned(),
        Some(sep) => {
            let groups: Vec<&str> = t.split(sep).collect();
            let ok = (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3);
            if !ok {
                return None;
            }
            groups.concat()
        }
    };
    if digits.is_empty() || digits.len() > 15 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The lines of a CSV statement. Errors name the body (no header, a quote never closed, too
/// many lines) or the line and its field (`lines.3.cod_amount`, the fourth line after the
/// header); every bad line is named at once.
pub fn lines(body: &[u8]) -> Result<Vec<LineInput>, Error> {
    let invalid = |message: &str| {
        Error::validation(vec![FieldError::new("body", FieldCode::Invalid, message)])
    };
    let text = std::str::from_utf8(body)
        .map_err(|_| invalid("must be UTF-8 text"))?
        .trim_start_matches('\u{feff}');
    let mut records = records(text).ok_or_else(|| invalid("has a quoted field never closed"))?;
    if records.is_empty() {
        return Err(invalid("must have a header line and at least one line"));
    }
    let columns = Columns::of(&records.remove(0))?;
    if records.is_empty() || records.len() > MAX_LINES {
        return Err(Error::validation(vec![FieldError::new(
            "body",
            FieldCode::OutOfRange,
            format!("must have 1 to {MAX_LINES} lines after the header"),
        )]));
    }
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        let cell = |col: Option<usize>| {
            col.and_then(|c| r.get(c))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
        };
        let mut money = |col: Option<usize>, name: &str, required: bool| match cell(col) {
            None if !required => Some(0),
            None => {
                errors.push(FieldError::new(
                    format!("lines.{i}.{name}"),
                    FieldCode::Required,
                    "is required",
                ));
                None
            }
            Some(t) => amount(t).or_else(|| {
                errors.push(FieldError::new(
                    format!("lines.{i}.{name}"),
                    FieldCode::Invalid,
                    "must be a whole number of đồng",
                ));
                None
            }),
        };
        let cod_amount = money(columns.cod_amount, "cod_amount", true);
        let fee = money(columns.fee, "fee", false);
        if let (Some(cod_amount), Some(fee)) = (cod_amount, fee) {
            out.push(LineInput {
                tracking_no: cell(columns.tracking_no).map(str::to_owned),
                order_number: cell(columns.order_number).map(str::to_owned),
                cod_amount,
                fee,
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::validation(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_carriers_export_is_read_by_its_column_names() {
        let body = "\u{feff}Mã đơn GHN,Mã đơn shop,Tiền thu hộ (COD),Tổng phí,Ngày\r\n\
                    GAQTHQ3U,A1B2C3D4,\"150.000\",\"22,000\",04/12/2026\r\n\
                    \r\n\
                    \"GB\"\"X\",,98000,,\n";
        let lines = lines(body.as_bytes()).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].tracking_no.as_deref(), Some("GAQTHQ3U"));
        assert_eq!(lines[0].order_number.as_deref(), Some("A1B2C3D4"));
        assert_eq!((lines[0].cod_amount, lines[0].fee), (150_000, 22_000));
        assert_eq!(lines[1].tracking_no.as_deref(), Some("GB\"X"));
        assert_eq!(lines[1].order_number, None);
        assert_eq!((lines[1].cod_amount, lines[1].fee), (98_000, 0));
    }

    #[test]
    fn bad_statements_are_refused_naming_what_is_wrong() {
        let fields = |body: &str| {
            lines(body.as_bytes())
                .unwrap_err()
                .fields
                .iter()
                .map(|f| f.field.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(fields("order_code,fee\nX,1\n"), ["body"]);
        assert_eq!(fields("cod_amount\n100\n"), ["body"]);
        assert_eq!(fields("order_code,cod_amount\n"), ["body"]);
        assert_eq!(fields("order_code,cod_amount\n\"X,1\n"), ["body"]);
        assert_eq!(
            fields("order_code,cod_amount,fee\nA,1.5,0\nB,,0\nC,-3,x\n"),
            [
                "lines.0.cod_amount",
                "lines.1.cod_amount",
                "lines.2.cod_amount",
                "lines.2.fee"
            ]
        );
        let many = format!("order_code,cod_amount\n{}", "A,1\n".repeat(MAX_LINES + 1));
        assert_eq!(fields(&many), ["body"]);
    }

    #[test]
    fn amounts_are_whole_dong_with_or_without_thousands() {
        for (text, want) in [
            ("0", Some(0)),
            ("150000", Some(150_000)),
            ("150.000", Some(150_000)),
            ("1,250,000", Some(1_250_000)),
            ("1.25", None),
            ("150.00", None),
            ("1,250.000", None),
            ("-5", None),
            ("", None),
            ("12a", None),
            ("9999999999999999", None),
        ] {
            assert_eq!(amount(text), want, "{text:?}");
        }
    }
}
