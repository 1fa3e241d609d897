//! Small helpers over quick-xml shared by the parts' readers. Elements and attributes are
//! matched by local name (`w:val` → `val`), whatever the prefix.

use quick_xml::events::{BytesStart, Event};
use quick_xml::XmlVersion;

/// Why a part could not be read.
#[derive(Debug)]
pub(in crate::ingest) enum PartError {
    /// Not well-formed XML, or the bytes could not be unpacked (a read error comes through
    /// quick-xml as an I/O error).
    Xml(quick_xml::Error),
    /// Well-formed but beyond what kaoping accepts (nesting, table size).
    Invalid(String),
    /// A budget of the reader's [`crate::ingest::ReadLimits`] passed.
    Limit(crate::ingest::Exceeded),
}

impl From<crate::ingest::Exceeded> for PartError {
    fn from(e: crate::ingest::Exceeded) -> Self {
        PartError::Limit(e)
    }
}

impl From<quick_xml::Error> for PartError {
    fn from(e: quick_xml::Error) -> Self {
        PartError::Xml(e)
    }
}

/// The value of the attribute with this local name.
pub(in crate::ingest) fn attr(e: &BytesStart, local: &str) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok())
        .map(|v| v.into_owned())
}

/// `w:val`.
pub(super) fn val(e: &BytesStart) -> Option<String> {
    attr(e, "val")
}

/// An integer attribute.
pub(in crate::ingest) fn val_int(e: &BytesStart, local: &str) -> Option<i64> {
    attr(e, local).and_then(|v| v.trim().parse().ok())
}

/// An on/off property: present without `w:val`, or with a true value.
pub(super) fn on_off(e: &BytesStart) -> bool {
    !matches!(
        val(e).as_deref().map(str::trim),
        Some("0" | "false" | "off" | "none")
    )
}

pub(in crate::ingest) const CUT_SHORT: &str = "the XML ends before its elements are closed";

/// How deep the reader is in the element tree; at the end it must be back at the top.
#[derive(Debug, Default)]
pub(super) struct Depth(usize);

impl Depth {
    pub(super) fn track(&mut self, event: &Event) -> Result<(), PartError> {
        match event {
            Event::Start(_) => self.0 += 1,
            Event::End(_) => self.0 = self.0.saturating_sub(1),
            Event::Eof if self.0 > 0 => return Err(PartError::Invalid(CUT_SHORT.into())),
            _ => {}
        }
        Ok(())
    }
}
