//! Time-based one-time passwords (RFC 6238): SHA-1, 6 digits, 30-second steps,
//! one step of clock skew either way — what every authenticator app supports.
//!
//! [`check`] returns the time step a code belongs to; the caller accepts a
//! code only if that step is later than the last one accepted for the
//! account (RFC 6238 §5.2: a code must not be accepted twice).

use totp_rs::{Algorithm, Builder, Secret, Totp};

/// A TOTP secret could not be used.
#[derive(Debug, thiserror::Error)]
#[error("the two-factor secret is unusable: {0}")]
pub struct TotpError(String);

fn totp(secret_base32: &str, issuer: &str, account: &str) -> Result<Totp, TotpError> {
    let secret = Secret::try_from_base32(secret_base32).map_err(|e| TotpError(e.to_string()))?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build()
        .map_err(|e| TotpError(e.to_string()))
}

/// A fresh random secret (160 bits), base32.
pub fn generate_secret() -> String {
    Secret::generate().to_base32()
}

/// The `otpauth://totp/…` URI an authenticator app scans.
pub fn otpauth_uri(secret_base32: &str, issuer: &str, account: &str) -> Result<String, TotpError> {
    totp(secret_base32, issuer, account)?
        .to_url()
        .map_err(|e| TotpError(e.to_string()))
}

/// The URI as an SVG QR code.
pub fn qr_svg(uri: &str) -> Result<String, TotpError> {
    let code = qrcode::QrCode::new(uri.as_bytes()).map_err(|e| TotpError(e.to_string()))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .build())
}

/// The step `code` is valid for at `unix_seconds`, or `None` if it is not valid.
pub fn check(secret_base32: &str, code: &str, unix_seconds: u64) -> Result<Option<u64>, TotpError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    Ok(totp(secret_base32, "x", "x")?.check(&code, unix_seconds))
}

/// The code for `unix_seconds` (used by tests and by nobody else).
pub fn code_at(secret_base32: &str, unix_seconds: u64) -> Result<String, TotpError> {
    Ok(totp(secret_base32, "x", "x")?
        .generate(unix_seconds)
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_check_within_skew_only() {
        let s = generate_secret();
        let now = 1_800_000_000;
        let code = code_at(&s, now).unwrap();
        assert_eq!(check(&s, &code, now).unwrap(), Some(now / 30));
        assert!(check(&s, &code, now + 30).unwrap().is_some());
        assert_eq!(check(&s, &code, now + 120).unwrap(), None);
        assert_eq!(check(&s, "abc", now).unwrap(), None);
    }

    #[test]
    fn uri_and_qr() {
        let s = generate_secret();
        let uri = otpauth_uri(&s, "Embargo", "a@example.org").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/Embargo:a%40example.org?"),
            "{uri}"
        );
        assert!(qr_svg(&uri).unwrap().starts_with("<?xml"));
    }
}
