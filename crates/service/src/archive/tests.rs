use base64::Engine as _;

use super::*;

#[test]
fn base64_round_trips_every_length_and_byte() {
    let all: Vec<u8> = (0..=255u8).collect();
    for len in 0..all.len() {
        let text = BASE64.encode(&all[..len]);
        assert_eq!(
            BASE64.decode(&text).ok().as_deref(),
            Some(&all[..len]),
            "{len}"
        );
    }
    assert_eq!(BASE64.encode(b"foobar"), "Zm9vYmFy");
    assert_eq!(BASE64.encode(b"fo"), "Zm8=");
    assert_eq!(BASE64.encode(b"f"), "Zg==");
}

#[test]
fn base64_refuses_what_is_not_its_one_encoding() {
    for bad in ["Zm8", "Zm9=Zm8=", "Zm!v", "Zg=a", "Zh==", "Zm9=", "===="] {
        assert!(BASE64.decode(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_canonical_form_sorts_keys_and_escapes_like_jcs() {
    let v: Value = serde_json::from_str(
        r#"{"b": [1, -2, true, null], "a": {"y": "引号\"\\/\u0001\n", "x": {}}}"#,
    )
    .expect("json");
    assert_eq!(
        canonical_json(&v),
        r#"{"a":{"x":{},"y":"引号\"\\/\u0001\n"},"b":[1,-2,true,null]}"#
    );
}

#[test]
fn the_checksum_leaves_out_only_the_top_level_sha256() {
    let v: Value =
        serde_json::from_str(r#"{"sha256": "x", "n": {"sha256": "kept"}}"#).expect("json");
    let expected = crate::sha256_hex(br#"{"n":{"sha256":"kept"}}"#);
    assert_eq!(checksum(&v), expected);
}

#[test]
fn parse_names_what_is_wrong_first() {
    assert!(matches!(
        Archive::parse("{\"format\": \"kaoping-round-archive\", \"vers"),
        Err(ArchiveError::NotJson(_))
    ));
    assert!(matches!(
        Archive::parse("[]"),
        Err(ArchiveError::NotAnArchive(_))
    ));
    assert!(matches!(
        Archive::parse(r#"{"format": "zip"}"#),
        Err(ArchiveError::NotAnArchive(_))
    ));
    assert!(matches!(
        Archive::parse(r#"{"format": "kaoping-round-archive", "version": 2}"#),
        Err(ArchiveError::Version { .. })
    ));
    assert!(matches!(
        Archive::parse(r#"{"format": "kaoping-round-archive", "version": 1}"#),
        Err(ArchiveError::NoChecksum)
    ));
    assert!(matches!(
        Archive::parse(r#"{"format": "kaoping-round-archive", "version": 1, "sha256": "00"}"#),
        Err(ArchiveError::Checksum { .. })
    ));
    let bare = r#"{"format":"kaoping-round-archive","version":1}"#;
    let sum = crate::sha256_hex(bare.as_bytes());
    let text = format!(r#"{{"format": "kaoping-round-archive", "version": 1, "sha256": "{sum}"}}"#);
    assert!(matches!(
        Archive::parse(&text),
        Err(ArchiveError::Malformed(_))
    ));
}
