//! HEIF / HEIC stills: the size is the `ispe` property of the primary item.
//!
//! `meta/pitm` names the primary item and `meta/iprp/ipma` links items to the
//! properties in `meta/iprp/ipco`. Phones store a grid of small tiles, each with
//! its own `ispe`, so the first `ispe` is often a tile; following the links gives
//! the whole picture. Without the links the largest `ispe` is used; with no
//! `ispe` at all the size is left unknown rather than guessed.

use super::super::input::{Input, be16, be32};
use super::super::{Measured, ProbeError};
use super::{BoxHeader, Children};

/// Properties remembered from `ipco`; real files have a few dozen.
const MAX_PROPERTIES: usize = 4096;

#[derive(Debug, Clone, Copy)]
enum Property {
    Size(u32, u32),
    QuarterTurn,
    Other,
}

pub(crate) fn heic(input: &mut Input<'_>) -> Result<Measured, ProbeError> {
    let Some(meta) = Children::new(0, input.len()).find(input, b"meta")? else {
        return Ok(Measured::default());
    };
    let (mut primary, mut iprp) = (None, None);
    let mut children = Children::of_full(&meta);
    while let Some(child) = children.next(input)? {
        match &child.kind {
            b"pitm" => primary = Some(pitm(input, &child)?),
            b"iprp" => iprp = Some(child),
            _ => {}
        }
    }
    let Some(iprp) = iprp else {
        return Ok(Measured::default());
    };
    let (mut properties, mut links) = (Vec::new(), None);
    let mut children = Children::of(&iprp);
    while let Some(child) = children.next(input)? {
        match &child.kind {
            b"ipco" => properties = ipco(input, &child)?,
            b"ipma" => links = primary.map(|item| (child, item)),
            _ => {}
        }
    }
    let linked = match links {
        Some((ipma_box, item)) => ipma(input, &ipma_box, item)?,
        None => Vec::new(),
    };
    let chosen: Vec<Property> = linked
        .iter()
        .filter_map(|index| index.checked_sub(1).and_then(|i| properties.get(i)))
        .copied()
        .collect();
    let size = chosen
        .iter()
        .find_map(|p| match p {
            Property::Size(w, h) => Some((*w, *h)),
            _ => None,
        })
        .or_else(|| largest(&properties));
    let turned = chosen.iter().any(|p| matches!(p, Property::QuarterTurn));
    Ok(match size {
        Some((w, h)) if turned => Measured::size(h, w),
        Some((w, h)) => Measured::size(w, h),
        None => Measured::default(),
    })
}

fn pitm(input: &mut Input<'_>, pitm: &BoxHeader) -> Result<u32, ProbeError> {
    let b = input.exact(pitm.body, 6, "the primary item box")?;
    Ok(if b.first() == Some(&0) {
        u32::from(be16(b, 4))
    } else {
        be32(b, 4)
    })
}

fn ipco(input: &mut Input<'_>, ipco: &BoxHeader) -> Result<Vec<Property>, ProbeError> {
    let mut properties = Vec::new();
    let mut children = Children::of(ipco);
    while let Some(child) = children.next(input)? {
        if properties.len() >= MAX_PROPERTIES {
            break;
        }
        let property = match &child.kind {
            b"ispe" => {
                let b = input.exact(child.body, 12, "an image size property")?;
                Property::Size(be32(b, 4), be32(b, 8))
            }
            b"irot" => {
                let angle = input.exact(child.body, 1, "a rotation property")?;
                if angle.first().is_some_and(|a| a & 1 == 1) {
                    Property::QuarterTurn
                } else {
                    Property::Other
                }
            }
            _ => Property::Other,
        };
        properties.push(property);
    }
    Ok(properties)
}

/// The 1-based `ipco` indices linked to `item`.
fn ipma(input: &mut Input<'_>, ipma: &BoxHeader, item: u32) -> Result<Vec<usize>, ProbeError> {
    let head = input.exact(ipma.body, 8, "the property links")?;
    let (version, wide_index) = (
        head.first().copied(),
        head.get(3).is_some_and(|f| f & 1 == 1),
    );
    let entries = be32(head, 4);
    let mut pos = ipma.body + 8;
    for _ in 0..entries {
        input.step()?;
        let id_len = if version == Some(0) { 2 } else { 4 };
        if pos + id_len as u64 + 1 > ipma.end {
            return Err(input.corrupt("the property links run past their box"));
        }
        let b = input.exact(pos, id_len + 1, "a property link entry")?;
        let id = if id_len == 2 {
            u32::from(be16(b, 0))
        } else {
            be32(b, 0)
        };
        let count = usize::from(b.get(id_len).copied().unwrap_or(0));
        let entry_len = if wide_index { 2 } else { 1 };
        pos += (id_len + 1) as u64;
        if pos + (count * entry_len) as u64 > ipma.end {
            return Err(input.corrupt("a property link entry runs past its box"));
        }
        if id == item {
            let b = input.exact(pos, count * entry_len, "property links")?;
            let indices = b
                .chunks_exact(entry_len)
                .map(|c| match c {
                    [hi, lo] => usize::from(u16::from_be_bytes([*hi, *lo]) & 0x7FFF),
                    [one] => usize::from(one & 0x7F),
                    _ => 0,
                })
                .collect();
            return Ok(indices);
        }
        pos += (count * entry_len) as u64;
    }
    Ok(Vec::new())
}

fn largest(properties: &[Property]) -> Option<(u32, u32)> {
    properties
        .iter()
        .filter_map(|p| match p {
            Property::Size(w, h) => Some((*w, *h)),
            _ => None,
        })
        .max_by_key(|(w, h)| u64::from(*w) * u64::from(*h))
}
