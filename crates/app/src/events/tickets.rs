//! Event tickets: what a graduate's QR code holds, and the short code staff type when no camera
//! can read it. A ticket names the event and the registration and when it stops being valid (the
//! event's end), signed with HMAC-SHA256 under a key derived from the node's key ring, so a door
//! scanner can trust it without a lookup and nobody can make one for another event or change its
//! expiry. It is not the registration id: without the key, knowing ids gets nobody in.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jiuye_security::chain::hmac_sha256;
use jiuye_security::seal::KeyRing;
use uuid::Uuid;

/// The purpose the ticket key is derived for.
const PURPOSE: &str = "event tickets";
/// Bytes of the signature kept in a ticket.
const MAC_LEN: usize = 16;
/// Bytes of a ticket before encoding: event, registration, expiry, signature.
const LEN: usize = 16 + 16 + 8 + MAC_LEN;

/// What is wrong with a presented ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketError {
    /// Not a ticket, altered, signed with another key, or for another event.
    Invalid,
    /// The event it was for has ended.
    Expired,
}

fn key(keys: &KeyRing) -> [u8; 32] {
    // A ring always holds a key on a running node; without one, nothing verifies.
    keys.derived_key(PURPOSE).unwrap_or([0; 32])
}

fn mac(keys: &KeyRing, domain: &[u8], body: &[u8]) -> [u8; 32] {
    let mut input = domain.to_vec();
    input.extend_from_slice(body);
    hmac_sha256(&key(keys), &input)
}

/// The ticket of a registration, valid until `expires` (the event's end).
pub fn issue(keys: &KeyRing, event: Uuid, registration: Uuid, expires: DateTime<Utc>) -> String {
    let mut body = Vec::with_capacity(LEN);
    body.extend_from_slice(event.as_bytes());
    body.extend_from_slice(registration.as_bytes());
    body.extend_from_slice(&expires.timestamp().to_be_bytes());
    let sig = mac(keys, b"ticket\0", &body);
    body.extend_from_slice(&sig[..MAC_LEN]);
    URL_SAFE_NO_PAD.encode(body)
}

/// The registration a ticket admits to `event` at `now`.
pub fn verify(keys: &KeyRing, token: &str, event: Uuid, now: DateTime<Utc>) -> Result<Uuid, TicketError> {
    let token = token.trim();
    if token.len() > 200 {
        return Err(TicketError::Invalid);
    }
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| TicketError::Invalid)?;
    if bytes.len() != LEN {
        return Err(TicketError::Invalid);
    }
    let (body, sig) = bytes.split_at(LEN - MAC_LEN);
    let expected = mac(keys, b"ticket\0", body);
    // Constant-time comparison of the signature.
    let diff = expected[..MAC_LEN].iter().zip(sig).fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if diff != 0 {
        return Err(TicketError::Invalid);
    }
    let id = |r: std::ops::Range<usize>| Uuid::from_slice(&body[r]).map_err(|_| TicketError::Invalid);
    if id(0..16)? != event {
        return Err(TicketError::Invalid);
    }
    let mut secs = [0u8; 8];
    secs.copy_from_slice(&body[32..40]);
    if now.timestamp() > i64::from_be_bytes(secs) {
        return Err(TicketError::Expired);
    }
    id(16..32)
}

/// The short code staff type for a registration (8 letters and digits, unique within the event
/// in practice; the store refuses a clash).
pub fn short_code(keys: &KeyRing, event: Uuid, registration: Uuid) -> String {
    let mut body = event.as_bytes().to_vec();
    body.extend_from_slice(registration.as_bytes());
    let sig = mac(keys, b"short code\0", &body);
    jiuye_security::totp::base32(&sig[..5])
}

/// A short code as typed: upper case, without spaces or dashes; None when it cannot be one.
pub fn normalise_code(typed: &str) -> Option<String> {
    let code: String =
        typed.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    (code.len() == 8 && code.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))).then_some(code)
}

/// The QR code of a ticket as an SVG image (black on white, with a quiet zone).
pub fn qr_svg(token: &str) -> String {
    match qrcode::QrCode::with_error_correction_level(token.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(220, 220)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
        // A 75-character token always fits a QR code; an empty image otherwise.
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_ticket_admits_its_registration_to_its_event_until_the_end_and_nothing_else() {
        let keys = KeyRing::generate().unwrap();
        let (event, other, reg) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let now = Utc::now();
        let t = issue(&keys, event, reg, now + Duration::hours(2));
        assert_eq!(verify(&keys, &t, event, now), Ok(reg));
        assert_eq!(verify(&keys, &t, other, now), Err(TicketError::Invalid));
        assert_eq!(verify(&keys, &t, event, now + Duration::hours(3)), Err(TicketError::Expired));
        // Any changed character breaks the signature.
        let mut altered: Vec<char> = t.chars().collect();
        altered[40] = if altered[40] == 'A' { 'B' } else { 'A' };
        let altered: String = altered.into_iter().collect();
        assert_eq!(verify(&keys, &altered, event, now), Err(TicketError::Invalid));
        // A longer expiry cannot be written in without the key.
        let longer = issue(&KeyRing::generate().unwrap(), event, reg, now + Duration::days(9));
        assert_eq!(verify(&keys, &longer, event, now), Err(TicketError::Invalid));
        assert_eq!(verify(&keys, reg.to_string().as_str(), event, now), Err(TicketError::Invalid));
        let code = short_code(&keys, event, reg);
        assert_eq!(normalise_code(&format!(" {}-{} ", &code[..4], code[4..].to_lowercase())), Some(code));
        assert_eq!(normalise_code("12345678"), None);
        assert!(qr_svg(&t).starts_with("<?xml"));
    }
}
