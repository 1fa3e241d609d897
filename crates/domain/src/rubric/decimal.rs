//! Decimals in rubric files: an integer (`max = 10`), a string (`"0.5"`) or a short float (`0.5`).
//! Floats go through their shortest decimal representation, so `0.5` is exactly 0.5.

pub mod lenient {
    use std::str::FromStr;

    use rust_decimal::Decimal;
    use serde::{de, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        d.deserialize_any(Visitor)
    }

    struct Visitor;

    impl de::Visitor<'_> for Visitor {
        type Value = Decimal;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a decimal number (integer, float or string such as \"0.5\")")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
            Decimal::from_str(&v.to_string())
                .map_err(|_| E::custom(format!("{v} is not a decimal")))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
            Decimal::from_str(v.trim()).map_err(|_| E::custom(format!("{v:?} is not a decimal")))
        }
    }
}

/// A `[min, max]` pair of lenient decimals.
pub mod pair {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Deserialize)]
    struct Lenient(#[serde(with = "super::lenient")] Decimal);

    #[derive(Serialize)]
    struct AsStr(#[serde(with = "super::lenient")] Decimal);

    pub fn serialize<S: Serializer>(value: &[Decimal; 2], s: S) -> Result<S::Ok, S::Error> {
        [AsStr(value[0]), AsStr(value[1])].serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[Decimal; 2], D::Error> {
        let [a, b] = <[Lenient; 2]>::deserialize(d)?;
        Ok([a.0, b.0])
    }
}

/// A map of names to lenient decimals.
pub mod map {
    use std::collections::BTreeMap;

    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Deserialize)]
    struct Lenient(#[serde(with = "super::lenient")] Decimal);

    #[derive(Serialize)]
    struct AsStr(#[serde(with = "super::lenient")] Decimal);

    pub fn serialize<S: Serializer>(
        value: &BTreeMap<String, Decimal>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let m: BTreeMap<&String, AsStr> = value.iter().map(|(k, v)| (k, AsStr(*v))).collect();
        m.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, Decimal>, D::Error> {
        let m = BTreeMap::<String, Lenient>::deserialize(d)?;
        Ok(m.into_iter().map(|(k, v)| (k, v.0)).collect())
    }
}
