//! A withholding certificate as a printable page: Vietnamese, one A4 sheet, its own styles
//! (nothing fetched from elsewhere), every value escaped.

use std::fmt::Write;

use super::CertificateView;

/// `s` with HTML's special characters escaped.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `1234567` as `1.234.567` (Vietnamese grouping).
fn dong(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

const STYLE: &str = "body{font-family:'Times New Roman',serif;max-width:190mm;margin:10mm auto;\
color:#000}h1{text-align:center;font-size:18pt;margin:4mm 0}p.sub{text-align:center;margin:0}\
table{width:100%;border-collapse:collapse;margin:4mm 0}td,th{border:1px solid #000;\
padding:2mm;vertical-align:top}th{text-align:left;width:40%}td.n{text-align:right}\
@page{size:A4;margin:15mm}@media print{body{margin:0}}";

/// `2026-01` as `tháng 01/2026`, `2026-01..2026-12` as `từ tháng 01/2026 đến tháng 12/2026`.
fn period_vi(period: &str) -> String {
    let month = |p: &str| {
        let (y, m) = p.split_once('-').unwrap_or((p, ""));
        format!("tháng {}/{}", esc(m), esc(y))
    };
    match period.split_once("..") {
        Some((a, b)) => format!("từ {} đến {}", month(a), month(b)),
        None => month(period),
    }
}

/// A span's months, one row each.
fn months_table(h: &mut String, c: &CertificateView) {
    if c.months.is_empty() {
        return;
    }
    h.push_str(
        "<table><tr><th colspan=\"4\">IV. Chi tiết theo tháng (số đã kê khai khi khoá sổ \
         tháng)</th></tr><tr><th>Tháng</th><th>Doanh thu</th><th>Thuế GTGT</th>\
         <th>Thuế TNCN</th></tr>",
    );
    for m in &c.months {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td></tr>",
            period_vi(&m.month),
            dong(m.revenue),
            dong(m.vat),
            dong(m.pit)
        );
    }
    h.push_str("</table>");
}

/// The certificate's page.
pub fn certificate_html(c: &CertificateView) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <title>Chứng từ khấu trừ thuế {number}</title><style>{STYLE}</style></head><body>\
         <h1>CHỨNG TỪ KHẤU TRỪ THUẾ</h1>\
         <p class=\"sub\">(thuế giá trị gia tăng và thuế thu nhập cá nhân khấu trừ, nộp thay theo \
         Nghị định 117/2025/NĐ-CP)</p><p class=\"sub\">Số: <strong>{number}</strong></p>",
        number = esc(&c.number),
    );
    if let Some(r) = &c.replaces {
        let _ = write!(
            h,
            "<p class=\"sub\">Thay thế chứng từ số {} — lý do: {}</p>",
            esc(r),
            esc(c.reason.as_deref().unwrap_or(""))
        );
    }
    let p = &c.platform;
    let _ = write!(
        h,
        "<table><tr><th colspan=\"2\">I. Tổ chức khấu trừ, nộp thay</th></tr>\
         <tr><th>Tên</th><td>{}</td></tr><tr><th>Mã số thuế</th><td>{}</td></tr>\
         <tr><th>Địa chỉ</th><td>{}</td></tr></table>",
        esc(&p.name),
        esc(&p.tax_code),
        esc(&p.address)
    );
    let s = &c.seller;
    let kind = match s.business_type.as_str() {
        "household_business" => "Hộ kinh doanh",
        _ => "Cá nhân kinh doanh",
    };
    let resident = if s.resident {
        "Cư trú"
    } else {
        "Không cư trú"
    };
    let _ = write!(
        h,
        "<table><tr><th colspan=\"2\">II. Người nộp thuế</th></tr>\
         <tr><th>Tên</th><td>{}</td></tr><tr><th>Loại hình</th><td>{kind}</td></tr>\
         <tr><th>Mã số thuế</th><td>{}</td></tr><tr><th>Số định danh cá nhân</th><td>{}</td></tr>\
         <tr><th>Tình trạng cư trú</th><td>{resident}</td></tr><tr><th>Địa chỉ</th><td>{}</td></tr>\
         </table>",
        esc(&s.name),
        esc(s.tax_code.as_deref().unwrap_or("")),
        esc(s.citizen_id.as_deref().unwrap_or("")),
        esc(&s.address)
    );
    let _ = write!(
        h,
        "<table><tr><th colspan=\"2\">III. Số thuế đã khấu trừ — {period}</th></tr>\
         <tr><th>Doanh thu</th><td class=\"n\">{} đồng</td></tr>\
         <tr><th>Thuế giá trị gia tăng đã khấu trừ</th><td class=\"n\">{} đồng</td></tr>\
         <tr><th>Thuế thu nhập cá nhân đã khấu trừ</th><td class=\"n\">{} đồng</td></tr></table>",
        dong(c.revenue),
        dong(c.vat),
        dong(c.pit),
        period = period_vi(&c.period),
    );
    months_table(&mut h, c);
    let _ = write!(
        h,
        "<p>Ngày lập: {}</p></body></html>",
        common::calendar::day_of(c.issued_at).format("%d/%m/%Y"),
    );
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_grouped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(dong(1_234_567), "1.234.567");
        assert_eq!(dong(999), "999");
        assert_eq!(dong(-1_000), "-1.000");
        assert_eq!(period_vi("2026-03"), "tháng 03/2026");
        assert_eq!(
            period_vi("2025-11..2026-02"),
            "từ tháng 11/2025 đến tháng 02/2026"
        );
    }
}
