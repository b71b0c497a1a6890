//! Interop with GnuPG, run by the tests in a temporary GNUPGHOME: Embargo's
//! signatures verify in gpg; mail gpg encrypts (PGP/MIME and inline, RSA
//! and Curve25519, signed and not) decrypts in Embargo with the right
//! signature result; mail Embargo encrypts decrypts in gpg; exported and
//! WKD-served keys import into gpg. Plus hostile input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::{Kind, TestApp, run_cli};
use embargo::mail::compose::{Outgoing, Protection, compose};
use embargo::mail::inbound::{self, Encryption, InboundError};
use embargo::pgp::{PgpError, PublicKey, SecretKey, SignatureStatus};
use std::io::Write;
use std::process::Stdio;

/// gpg with its own home directory; its agent is stopped on drop.
pub struct Gpg {
    home: tempfile::TempDir,
}

impl Gpg {
    pub fn new() -> Self {
        let home = tempfile::tempdir().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        Self { home }
    }

    /// Run gpg; returns (success, stdout, stderr).
    pub fn run(&self, args: &[&str], stdin: &[u8]) -> (bool, Vec<u8>, String) {
        let mut child = crate::support::tool("gpg")
            .env("GNUPGHOME", self.home.path())
            .args([
                "--batch",
                "--no-tty",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
                "--trust-model",
                "always",
            ])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gpg is installed by scripts/install-test-deps.sh");
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            out.stdout,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, args: &[&str], stdin: &[u8]) -> Vec<u8> {
        let (ok, out, err) = self.run(args, stdin);
        assert!(ok, "gpg {args:?} failed:\n{err}");
        out
    }

    /// Generate a key: "rsa" (RSA 3072 with an encryption subkey) or "cv25519" (Ed25519 + Curve25519).
    pub fn generate(&self, uid: &str, algo: &str) -> String {
        match algo {
            "rsa" => {
                self.ok(
                    &["--quick-generate-key", uid, "rsa3072", "sign,cert", "never"],
                    b"",
                );
                let fpr = self.fingerprint(uid);
                self.ok(&["--quick-add-key", &fpr, "rsa3072", "encr", "never"], b"");
                fpr
            }
            _ => {
                self.ok(
                    &["--quick-generate-key", uid, "ed25519", "sign,cert", "never"],
                    b"",
                );
                let fpr = self.fingerprint(uid);
                self.ok(&["--quick-add-key", &fpr, "cv25519", "encr", "never"], b"");
                fpr
            }
        }
    }

    pub fn fingerprint(&self, uid: &str) -> String {
        let out = String::from_utf8(self.ok(&["--with-colons", "--list-keys", uid], b"")).unwrap();
        out.lines()
            .find_map(|l| {
                l.strip_prefix("fpr:")
                    .map(|r| r.trim_matches(':').to_owned())
            })
            .unwrap()
    }

    pub fn export(&self, uid: &str) -> Vec<u8> {
        self.ok(&["--armor", "--export", uid], b"")
    }

    pub fn export_secret(&self, uid: &str) -> Vec<u8> {
        self.ok(&["--armor", "--export-secret-keys", uid], b"")
    }

    pub fn import(&self, key: &[u8]) {
        self.ok(&["--import"], key);
    }

    /// Fingerprints in a key file, without importing it.
    pub fn fingerprints_of(&self, key: &[u8]) -> Vec<String> {
        let out = String::from_utf8(self.ok(
            &["--with-colons", "--import-options", "show-only", "--import"],
            key,
        ))
        .unwrap();
        let mut fprs: Vec<String> = Vec::new();
        let mut after_pub = false;
        for l in out.lines() {
            if l.starts_with("pub:") {
                after_pub = true;
            } else if after_pub && l.starts_with("fpr:") {
                fprs.push(l.trim_start_matches("fpr:").trim_matches(':').to_owned());
                after_pub = false;
            }
        }
        fprs
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = crate::support::tool("gpgconf")
            .env("GNUPGHOME", self.home.path())
            .args(["--kill", "gpg-agent"])
            .status();
    }
}

const INNER: &[u8] = b"Content-Type: text/plain; charset=utf-8\r\n\r\nThe parser overflows on a crafted header.\r\nTested: 6.0.1 (vulnerable), 5.2.8 (vulnerable).\r\n";

fn pgp_mime_encrypted(armored: &[u8]) -> Vec<u8> {
    let mut m = b"From: Reporter <reporter@example.net>\r\nTo: security@demo.example\r\nSubject: ...\r\nMessage-ID: <r1@example.net>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"XyZ\"\r\n\r\nThis is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n--XyZ\r\nContent-Type: application/pgp-encrypted\r\nContent-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n\r\n--XyZ\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\nContent-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n".to_vec();
    m.extend_from_slice(armored);
    m.extend_from_slice(b"\r\n--XyZ--\r\n");
    m
}

fn project_key() -> SecretKey {
    SecretKey::generate(&["Demo Project security team <security@demo.example>".into()]).unwrap()
}

#[test]
fn embargo_signatures_verify_in_gpg() {
    let gpg = Gpg::new();
    let key = project_key();
    gpg.import(key.public().to_armored().unwrap().as_bytes());
    // Cleartext.
    let signed =
        embargo::pgp::sign_cleartext(&key, "Pre-notification for the 2026-12-01 release.\n")
            .unwrap();
    let (ok, _, err) = gpg.run(&["--verify"], signed.as_bytes());
    assert!(ok && err.contains("Good signature"), "{err}");
    // PGP/MIME multipart/signed: gpg checks the signature over the first part's exact bytes.
    let raw = compose(&outgoing("reader@example.org"), Protection::Sign(&key)).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let err = verify_pgp_mime(&gpg, &text);
    assert!(
        err.contains("Good signature"),
        "PGP/MIME signature rejected by gpg:\n{err}"
    );
}

/// Verify a PGP/MIME multipart/signed message with gpg: the signature over the first
/// part's exact bytes; returns gpg's report (stderr), which names the signer.
pub fn verify_pgp_mime(gpg: &Gpg, text: &str) -> String {
    let boundary = text
        .split("boundary=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let delimiter = format!("\r\n--{boundary}");
    let first = text.find(&format!("--{boundary}\r\n")).unwrap() + boundary.len() + 4;
    let end = first + text[first..].find(&delimiter).unwrap();
    let signed_part = &text[first..end];
    let sig_start = text.find("-----BEGIN PGP SIGNATURE-----").unwrap();
    let sig_end =
        text.find("-----END PGP SIGNATURE-----").unwrap() + "-----END PGP SIGNATURE-----".len();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("part"), signed_part).unwrap();
    std::fs::write(dir.path().join("sig.asc"), &text[sig_start..sig_end]).unwrap();
    let (ok, _, err) = gpg.run(
        &[
            "--verify",
            dir.path().join("sig.asc").to_str().unwrap(),
            dir.path().join("part").to_str().unwrap(),
        ],
        b"",
    );
    assert!(ok, "gpg could not verify:\n{err}");
    err
}

fn outgoing(to: &str) -> Outgoing {
    Outgoing {
        from: "Demo Project <security@demo.example>".into(),
        to: vec![to.into()],
        subject: "[Demo Project] Pre-notification: security release on 2026-12-01".into(),
        text: "Full description of the issue.\nAffected: 2.1.0 to 2.1.3.\n".into(),
        message_id: "prenotify-1@demo.example".into(),
        in_reply_to: None,
        reply_to: None,
        list: None,
        attachments: Vec::new(),
    }
}

#[test]
fn gpg_encrypted_pgp_mime_decrypts_in_embargo() {
    for algo in ["rsa", "cv25519"] {
        let gpg = Gpg::new();
        let sender = gpg.generate(&format!("Reporter {algo} <reporter@example.net>"), algo);
        let sender_public = PublicKey::from_bytes(&gpg.export(&sender)).unwrap();
        let key = project_key();
        gpg.import(key.public().to_armored().unwrap().as_bytes());
        let recipient = key.fingerprint();
        for sign in [false, true] {
            let mut args = vec!["--armor", "--encrypt", "--recipient", recipient.as_str()];
            if sign {
                args.extend(["--sign", "--local-user", sender.as_str()]);
            }
            let armored = gpg.ok(&args, INNER);
            let raw = pgp_mime_encrypted(&armored);
            let parsed = inbound::parse(
                &raw,
                std::slice::from_ref(&key),
                std::slice::from_ref(&sender_public),
            )
            .unwrap();
            assert_eq!(parsed.encryption, Encryption::PgpMime, "{algo}");
            assert!(
                parsed
                    .text
                    .contains("The parser overflows on a crafted header."),
                "{algo}: {}",
                parsed.text
            );
            assert_eq!(parsed.from.as_deref(), Some("reporter@example.net"));
            let expected = if sign {
                SignatureStatus::Good {
                    fingerprint: sender.clone(),
                }
            } else {
                SignatureStatus::Unsigned
            };
            assert_eq!(parsed.signature, expected, "{algo} sign={sign}");
            if sign {
                // Without the sender's key the signature is reported as from an unknown key.
                let parsed = inbound::parse(&raw, std::slice::from_ref(&key), &[]).unwrap();
                assert!(
                    matches!(parsed.signature, SignatureStatus::UnknownKey { .. }),
                    "{:?}",
                    parsed.signature
                );
            }
        }
    }
}

#[test]
fn gpg_inline_and_signed_mail_reads_in_embargo() {
    let gpg = Gpg::new();
    let sender = gpg.generate("Reporter <reporter@example.net>", "cv25519");
    let sender_public = PublicKey::from_bytes(&gpg.export(&sender)).unwrap();
    let key = project_key();
    gpg.import(key.public().to_armored().unwrap().as_bytes());
    // Inline: an armored block in a plain body, signed and encrypted.
    let armored = gpg.ok(
        &[
            "--armor",
            "--encrypt",
            "--sign",
            "--recipient",
            &key.fingerprint(),
            "--local-user",
            &sender,
        ],
        b"Inline report: the token check is skipped.\n",
    );
    let mut raw = b"From: reporter@example.net\r\nTo: security@demo.example\r\nSubject: report\r\nMessage-ID: <r2@example.net>\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n".to_vec();
    raw.extend_from_slice(&armored);
    let parsed = inbound::parse(
        &raw,
        std::slice::from_ref(&key),
        std::slice::from_ref(&sender_public),
    )
    .unwrap();
    assert_eq!(parsed.encryption, Encryption::Inline);
    assert!(
        parsed
            .text
            .contains("Inline report: the token check is skipped."),
        "{}",
        parsed.text
    );
    assert_eq!(
        parsed.signature,
        SignatureStatus::Good {
            fingerprint: sender.clone()
        }
    );
    // PGP/MIME signed by gpg (a detached signature over the first part).
    let sig = gpg.ok(
        &["--armor", "--detach-sign", "--local-user", &sender],
        INNER.strip_suffix(b"\r\n").unwrap(),
    );
    let mut raw = b"From: reporter@example.net\r\nTo: security@demo.example\r\nSubject: signed report\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; micalg=pgp-sha512; protocol=\"application/pgp-signature\"; boundary=\"SiG\"\r\n\r\n--SiG\r\n".to_vec();
    raw.extend_from_slice(INNER);
    raw.extend_from_slice(
        b"--SiG\r\nContent-Type: application/pgp-signature; name=\"signature.asc\"\r\n\r\n",
    );
    raw.extend_from_slice(&sig);
    raw.extend_from_slice(b"\r\n--SiG--\r\n");
    let parsed = inbound::parse(&raw, &[], std::slice::from_ref(&sender_public)).unwrap();
    assert_eq!(parsed.encryption, Encryption::None);
    assert_eq!(
        parsed.signature,
        SignatureStatus::Good {
            fingerprint: sender.clone()
        }
    );
    assert!(parsed.text.contains("Tested: 6.0.1"), "{}", parsed.text);
    // Tampering with the signed part makes it bad.
    let tampered = String::from_utf8(raw)
        .unwrap()
        .replace("crafted header", "crafted footer");
    let parsed = inbound::parse(tampered.as_bytes(), &[], &[sender_public]).unwrap();
    assert!(
        matches!(parsed.signature, SignatureStatus::Bad { .. }),
        "{:?}",
        parsed.signature
    );
}

#[test]
fn protected_headers_give_the_real_subject() {
    let gpg = Gpg::new();
    let key = project_key();
    gpg.import(key.public().to_armored().unwrap().as_bytes());
    let inner = b"Content-Type: text/plain; charset=utf-8; protected-headers=\"v1\"\r\nSubject: XSS in the admin search box\r\nFrom: reporter@example.net\r\n\r\nDetails follow.\r\n";
    let armored = gpg.ok(
        &["--armor", "--encrypt", "--recipient", &key.fingerprint()],
        inner,
    );
    let parsed = inbound::parse(&pgp_mime_encrypted(&armored), &[key], &[]).unwrap();
    assert_eq!(
        parsed.subject.as_deref(),
        Some("XSS in the admin search box")
    );
    assert!(parsed.text.contains("Details follow."));
}

#[test]
fn embargo_encrypted_mail_decrypts_in_gpg() {
    for algo in ["rsa", "cv25519"] {
        let gpg = Gpg::new();
        let member = gpg.generate(
            &format!("Distributor {algo} <security@distro.example>"),
            algo,
        );
        let (member_key, info) = PublicKey::recipient_from_bytes(&gpg.export(&member)).unwrap();
        assert!(info.can_encrypt);
        let signer = project_key();
        gpg.import(signer.public().to_armored().unwrap().as_bytes());
        let raw = compose(
            &outgoing("security@distro.example"),
            Protection::Encrypt {
                recipients: vec![&member_key],
                signer: Some(&signer),
            },
        )
        .unwrap();
        let text = String::from_utf8(raw).unwrap();
        assert!(text.contains("multipart/encrypted"), "{text}");
        assert!(
            !text.contains("Full description of the issue"),
            "plaintext leaked into the encrypted mail"
        );
        let start = text.find("-----BEGIN PGP MESSAGE-----").unwrap();
        let end =
            text.find("-----END PGP MESSAGE-----").unwrap() + "-----END PGP MESSAGE-----".len();
        let (ok, plain, err) = gpg.run(&["--decrypt"], &text.as_bytes()[start..end]);
        assert!(ok, "{algo}: gpg could not decrypt:\n{err}");
        let plain = String::from_utf8(plain).unwrap();
        assert!(
            plain.contains("Full description of the issue."),
            "{algo}: {plain}"
        );
        assert!(
            plain.contains("Subject: [Demo Project] Pre-notification"),
            "protected subject missing: {plain}"
        );
        assert!(err.contains("Good signature"), "{algo}: {err}");
    }
}

#[test]
fn imported_gpg_secret_keys_work() {
    let gpg = Gpg::new();
    let fpr = gpg.generate("Release Manager <rm@demo.example>", "rsa");
    let key = SecretKey::from_bytes(&gpg.export_secret(&fpr)).unwrap();
    assert_eq!(key.fingerprint(), fpr);
    let signed = embargo::pgp::sign_cleartext(&key, "signed with an imported key\n").unwrap();
    let (ok, _, err) = gpg.run(&["--verify"], signed.as_bytes());
    assert!(ok && err.contains("Good signature"), "{err}");
    // A passphrase-protected key is refused with an explanation.
    let out = crate::support::tool("gpg")
        .env("GNUPGHOME", gpg.home.path())
        .args([
            "--batch",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "hunter2",
            "--quick-generate-key",
            "Locked <locked@demo.example>",
            "ed25519",
            "sign,cert",
            "never",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let locked = crate::support::tool("gpg")
        .env("GNUPGHOME", gpg.home.path())
        .args([
            "--batch",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "hunter2",
            "--armor",
            "--export-secret-keys",
            "locked@demo.example",
        ])
        .output()
        .unwrap();
    let err = SecretKey::from_bytes(&locked.stdout).unwrap_err();
    assert!(
        err.to_string().contains("protected by a passphrase"),
        "{err}"
    );
}

#[test]
fn recipient_keys_are_validated() {
    let gpg = Gpg::new();
    // Expired: made with a one-second lifetime, then waited out.
    gpg.ok(
        &[
            "--quick-generate-key",
            "Old <old@example.org>",
            "ed25519",
            "sign,cert",
            "seconds=1",
        ],
        b"",
    );
    let old = gpg.fingerprint("old@example.org");
    gpg.ok(
        &["--quick-add-key", &old, "cv25519", "encr", "seconds=1"],
        b"",
    );
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let err = PublicKey::recipient_from_bytes(&gpg.export(&old)).unwrap_err();
    assert!(
        err.to_string().contains("expired")
            || err.to_string().contains("no valid encryption subkey"),
        "{err}"
    );
    // Revoked: import the revocation certificate gpg made at generation.
    let gone = gpg.generate("Gone <gone@example.org>", "cv25519");
    let rev = std::fs::read_to_string(
        gpg.home
            .path()
            .join("openpgp-revocs.d")
            .join(format!("{gone}.rev")),
    )
    .unwrap();
    gpg.import(rev.replace(":-----BEGIN", "-----BEGIN").as_bytes());
    let err = PublicKey::recipient_from_bytes(&gpg.export(&gone)).unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    // Signing-only: no encryption subkey.
    gpg.ok(
        &[
            "--quick-generate-key",
            "Signer <signer@example.org>",
            "ed25519",
            "sign,cert",
            "never",
        ],
        b"",
    );
    let err = PublicKey::recipient_from_bytes(&gpg.export("signer@example.org")).unwrap_err();
    assert!(
        err.to_string().contains("no valid encryption subkey"),
        "{err}"
    );
    // Corrupted armor.
    let good = String::from_utf8(gpg.export(&gone)).unwrap();
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    let mid = lines.len() / 2;
    lines[mid] = lines[mid].chars().rev().collect();
    let err = PublicKey::recipient_from_bytes(lines.join("\n").as_bytes()).unwrap_err();
    // Depending on where the damage lands, the key no longer parses or its self-signatures fail.
    assert!(
        matches!(err, PgpError::Malformed { .. } | PgpError::Unusable { .. }),
        "{err}"
    );
}

#[test]
fn hostile_mail_gets_clear_errors() {
    let gpg = Gpg::new();
    let key = project_key();
    let other = project_key();
    gpg.import(other.public().to_armored().unwrap().as_bytes());
    // Encrypted to another key.
    let armored = gpg.ok(
        &["--armor", "--encrypt", "--recipient", &other.fingerprint()],
        INNER,
    );
    let err = inbound::parse(
        &pgp_mime_encrypted(&armored),
        std::slice::from_ref(&key),
        &[],
    )
    .unwrap_err();
    assert!(
        matches!(err, InboundError::Pgp(PgpError::NotForUs { .. })),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("not encrypted to any key Embargo holds"),
        "{err}"
    );
    // Corrupted armor inside PGP/MIME.
    let mut corrupted = String::from_utf8(armored.clone()).unwrap();
    let at = corrupted.len() / 2;
    corrupted.replace_range(at..at + 8, "!!!!!!!!");
    let err = inbound::parse(
        &pgp_mime_encrypted(corrupted.as_bytes()),
        std::slice::from_ref(&other),
        &[],
    )
    .unwrap_err();
    assert!(matches!(err, InboundError::Pgp(_)), "{err}");
    // A truncated MIME tree: cut inside the encrypted part.
    let whole = pgp_mime_encrypted(&armored);
    let err = inbound::parse(
        &whole[..whole.len() * 2 / 3],
        std::slice::from_ref(&other),
        &[],
    )
    .unwrap_err();
    assert!(matches!(err, InboundError::Pgp(_)), "{err}");
    // 20 MB.
    let mut big = b"From: a@example.org\r\nSubject: big\r\n\r\n".to_vec();
    big.resize(20 * 1000 * 1000, b'a');
    let err = inbound::parse(&big, &[], &[]).unwrap_err();
    assert!(
        matches!(err, InboundError::TooLarge { .. })
            && err.to_string().contains("the limit is 10 MiB"),
        "{err}"
    );
    // 1,000 parts.
    let mut many = b"From: a@example.org\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n".to_vec();
    for i in 0..1000 {
        many.extend_from_slice(
            format!("--b\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n").as_bytes(),
        );
    }
    many.extend_from_slice(b"--b--\r\n");
    let err = inbound::parse(&many, &[], &[]).unwrap_err();
    assert!(
        matches!(err, InboundError::TooManyParts { .. })
            && err.to_string().contains("the limit is 200"),
        "{err}"
    );
    // Not mail at all.
    let err = inbound::parse(b"\x00\x01\x02 binary junk", &[], &[]).unwrap_err();
    assert!(matches!(err, InboundError::NotMail(_)), "{err}");
}

crate::on_both_backends!(exported_and_wkd_keys_import_into_gpg);

async fn exported_and_wkd_keys_import_into_gpg(kind: Kind) {
    let app = TestApp::spawn_with(
        kind,
        &[("EMBARGO_PUBLIC_URL", "https://security.example.org")],
    )
    .await;
    let (url, dir) = (app.db.url_text.clone(), app.db.dir.path().to_owned());
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/policies/demo.toml");
    assert_eq!(
        run_cli(&url, &dir, &["project", "add", "--policy", demo], None).0,
        0
    );
    let (code, out, err) = run_cli(&url, &dir, &["key", "generate", "--project", "demo"], None);
    assert_eq!(code, 0, "{err}");
    let fpr = out
        .lines()
        .find_map(|l| l.strip_prefix("fingerprint: "))
        .unwrap()
        .trim()
        .to_owned();
    assert!(
        dir.join("secret.key").exists(),
        "the master key file was not created in the data dir"
    );
    let (code, exported, err) = run_cli(&url, &dir, &["key", "export", "--project", "demo"], None);
    assert_eq!(code, 0, "{err}");
    let gpg = Gpg::new();
    assert_eq!(
        gpg.fingerprints_of(exported.as_bytes()),
        std::slice::from_ref(&fpr)
    );
    gpg.import(exported.as_bytes());
    let client = reqwest::Client::new();
    let asc = client.get(app.url("/p/demo/key.asc")).send().await.unwrap();
    assert_eq!(asc.headers()["content-type"], "application/pgp-keys");
    assert_eq!(
        gpg.fingerprints_of(&asc.bytes().await.unwrap()),
        std::slice::from_ref(&fpr)
    );
    // WKD: security@demo.example → hash of "security".
    let hash = embargo::service::keys::wkd_hash("security");
    let direct = client
        .get(app.url(&format!("/.well-known/openpgpkey/hu/{hash}?l=security")))
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), 200);
    assert_eq!(
        gpg.fingerprints_of(&direct.bytes().await.unwrap()),
        std::slice::from_ref(&fpr)
    );
    let advanced = client
        .get(app.url(&format!("/.well-known/openpgpkey/demo.example/hu/{hash}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        gpg.fingerprints_of(&advanced.bytes().await.unwrap()),
        std::slice::from_ref(&fpr)
    );
    assert_eq!(
        client
            .get(app.url("/.well-known/openpgpkey/policy"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        client
            .get(app.url("/.well-known/openpgpkey/other.example/hu/x"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // security.txt now points at the key.
    let txt = client
        .get(app.url("/p/demo/security.txt"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        txt.contains("Encryption: https://security.example.org/p/demo/key.asc"),
        "{txt}"
    );
    // The secret key is sealed in the database.
    let sealed = app
        .db
        .scalar("SELECT COUNT(*) FROM openpgp_keys WHERE secret_sealed LIKE 'v1:%'")
        .await;
    assert_eq!(sealed, 1);
    let plain = app
        .db
        .scalar("SELECT COUNT(*) FROM openpgp_keys WHERE secret_sealed LIKE '%PRIVATE KEY%'")
        .await;
    assert_eq!(plain, 0);
}

#[test]
fn wkd_hash_matches_the_draft_example() {
    // draft-koch-openpgp-webkey-service §3.1: "Joe.Doe" hashes to iy9q119eutrkn8s1mk4r39qejnbu3n5q.
    assert_eq!(
        embargo::service::keys::wkd_hash("Joe.Doe"),
        "iy9q119eutrkn8s1mk4r39qejnbu3n5q"
    );
}
