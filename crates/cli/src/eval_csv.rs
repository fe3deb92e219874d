//! CSV as the labelled evaluation files are written (RFC 4180: quoted fields may hold commas,
//! doubled quotes and line breaks; CRLF or LF), read strictly so that errors name the line and
//! the column.

/// Splits CSV text into records, each with the line it starts on; blank lines are skipped.
pub(crate) fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut records = Vec::new();
    let (mut fields, mut field) = (Vec::new(), String::new());
    let (mut line, mut start_line) = (1usize, 1usize);
    let (mut quoted, mut was_quoted) = (false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => (quoted, was_quoted) = (true, true),
            '"' => return Err(format!("line {line}, column {}: stray quote", fields.len() + 1)),
            ',' => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                if !(fields.len() == 1 && fields[0].is_empty() && !was_quoted) {
                    records.push((start_line, std::mem::take(&mut fields)));
                }
                fields.clear();
                was_quoted = false;
                line += 1;
                start_line = line;
            }
            _ if was_quoted => {
                return Err(format!("line {line}, column {}: text after a closing quote", fields.len() + 1));
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(format!("line {start_line}, column {}: quote not closed", fields.len() + 1));
    }
    if !field.is_empty() || !fields.is_empty() || was_quoted {
        fields.push(field);
        records.push((start_line, fields));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_crlf_and_unclosed_quotes() {
        let rows: Vec<Vec<String>> = records("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",z\nlast,,")
            .expect("parses")
            .into_iter()
            .map(|(_, fields)| fields)
            .collect();
        assert_eq!(rows, [vec!["a", "b", "c"], vec!["x, y", "say \"hi\"", "z"], vec!["last", "", ""]]);
        assert!(records("a\n\"open").is_err());
    }
}
