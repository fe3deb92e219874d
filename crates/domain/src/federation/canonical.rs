//! Canonical JSON (RFC 8785, the JSON Canonicalization Scheme): the bytes a federation
//! signature covers. Two nodes that hold the same value always produce the same bytes.
//!
//! - objects: members sorted by their names compared as UTF-16 code units, no whitespace;
//! - strings: only `"`, `\` and the control characters below U+0020 are escaped (`\b \t \n
//!   \f \r` by name, the others as `\u00xx` in lower case); everything else is written as is,
//!   in UTF-8;
//! - numbers: as ECMAScript's `Number.prototype.toString` writes them (shortest digits that
//!   read back the same double, plain notation for exponents from -7 to 20);
//! - `true`, `false`, `null`.
//!
//! Integers beyond ±2^53 cannot be held exactly by a double and are refused, as are NaN and
//! the infinities (JSON has no way to write them).

use serde_json::Value;

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonError {
    #[error("the number {0} cannot be written exactly in canonical JSON")]
    Number(String),
}

/// The largest integer a double holds exactly.
const MAX_EXACT: u64 = 1 << 53;

/// The canonical bytes of a value.
pub fn to_vec(value: &Value) -> Result<Vec<u8>, CanonError> {
    let mut out = String::new();
    write_value(value, &mut out)?;
    Ok(out.into_bytes())
}

/// The canonical text of a value.
pub fn to_string(value: &Value) -> Result<String, CanonError> {
    let mut out = String::new();
    write_value(value, &mut out)?;
    Ok(out)
}

fn write_value(value: &Value, out: &mut String) -> Result<(), CanonError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(n, out)?,
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (name, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(name, out);
                out.push(':');
                write_value(item, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_number(n: &serde_json::Number, out: &mut String) -> Result<(), CanonError> {
    if let Some(i) = n.as_u64() {
        if i > MAX_EXACT {
            return Err(CanonError::Number(n.to_string()));
        }
        out.push_str(&i.to_string());
        return Ok(());
    }
    if let Some(i) = n.as_i64() {
        if i.unsigned_abs() > MAX_EXACT {
            return Err(CanonError::Number(n.to_string()));
        }
        out.push_str(&i.to_string());
        return Ok(());
    }
    let f = n.as_f64().ok_or_else(|| CanonError::Number(n.to_string()))?;
    write_double(f, out).map_err(|_| CanonError::Number(n.to_string()))
}

/// ECMAScript's Number::toString for a finite double.
fn write_double(f: f64, out: &mut String) -> Result<(), ()> {
    if !f.is_finite() {
        return Err(());
    }
    if f == 0.0 {
        out.push('0');
        return Ok(());
    }
    if f < 0.0 {
        out.push('-');
    }
    // Rust's `{:e}` gives the shortest digits that read back the same double: "1.2345e-7".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exponent) = sci.split_once('e').ok_or(())?;
    let exponent: i32 = exponent.parse().map_err(|_| ())?;
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = digits.len() as i32;
    // The decimal point stands after `n` digits.
    let n = exponent + 1;
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        out.push_str(&(n - 1).abs().to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(v: Value) -> String {
        to_string(&v).unwrap()
    }

    #[test]
    fn members_are_sorted_by_utf16_code_units_without_whitespace() {
        // In UTF-16, U+1F600 (0xD83D 0xDE00) comes before U+E000; by code point it would not.
        let v = json!({"b": 1, "a": [true, false, null], "\u{e000}": 1, "\u{1f600}": 2, "€": 3});
        assert_eq!(canon(v), "{\"a\":[true,false,null],\"b\":1,\"€\":3,\"\u{1f600}\":2,\"\u{e000}\":1}");
    }

    #[test]
    fn strings_escape_only_what_json_requires() {
        let v = json!("引号\"反斜杠\\换行\n制表\t\u{1}/\u{2028}");
        assert_eq!(canon(v), "\"引号\\\"反斜杠\\\\换行\\n制表\\t\\u0001/\u{2028}\"");
    }

    #[test]
    fn numbers_follow_ecmascript() {
        let cases = [
            (json!(0), "0"),
            (json!(-0.0), "0"),
            (json!(1.0), "1"),
            (json!(-12), "-12"),
            (json!(1.5), "1.5"),
            (json!(0.000001), "0.000001"),
            (json!(1e-7), "1e-7"),
            (json!(1e21), "1e+21"),
            (json!(1e20), "100000000000000000000"),
            (json!(123456.789), "123456.789"),
            (json!(9007199254740992u64), "9007199254740992"),
            (json!(4.5e-8), "4.5e-8"),
            (json!(3.0e22), "3e+22"),
        ];
        for (v, want) in cases {
            assert_eq!(canon(v.clone()), want, "{v}");
        }
    }

    #[test]
    fn integers_a_double_cannot_hold_are_refused() {
        assert!(to_string(&json!(9007199254740993u64)).is_err());
        assert!(to_string(&json!(-9007199254740993i64)).is_err());
    }

    #[test]
    fn the_same_value_written_differently_has_one_form() {
        let a: Value = serde_json::from_str("{ \"x\" : [1, 2.50, \"\\u00e9\"], \"a\":{\"z\":1,\"y\":2} }").unwrap();
        let b: Value = serde_json::from_str("{\"a\":{\"y\":2,\"z\":1},\"x\":[1,2.5,\"é\"]}").unwrap();
        assert_eq!(to_vec(&a).unwrap(), to_vec(&b).unwrap());
        assert_eq!(canon(a), "{\"a\":{\"y\":2,\"z\":1},\"x\":[1,2.5,\"é\"]}");
    }
}
