//! HEIF / HEIC stills: the size is the `ispe` property of the primary item.
//!
//! `meta/pitm` names the primary item and `meta/iprp/ipma` links items to the
//! properties in `meta/iprp/ipco`. Phones store a grid of small tiles, each with
//! its own `ispe`, so the first `ispe` is often a tile; following the links gives
//! the whole picture. Without the links the largest `ispe` is used; with no
//! `ispe` at all the size is left unknown rather than guessed. The boxes are
//! decoded by mp4-atom; `ipco` is walked here, so that only `ispe` and `irot` are
//! decoded and a property this probe does not use (a codec configuration, a
//! colour profile) cannot fail it.
//!
//! Not `imagesize`: its HEIF reader takes the largest `ispe` whichever item it
//! belongs to, turns it by any `irot` it meets, and fails a file without `ispe`.

use mp4_atom::{Ipma, Irot, Ispe, Pitm};

use super::super::input::Input;
use super::super::{Measured, ProbeError};
use super::{BoxHeader, Children, decode};

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
            b"pitm" => primary = Some(decode::<Pitm>(input, &child)?.item_id),
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
            b"ipma" if primary.is_some() => links = Some(decode::<Ipma>(input, &child)?),
            _ => {}
        }
    }
    // ipco indices are 1-based; 0 means "no property".
    let chosen: Vec<Property> = links
        .iter()
        .flat_map(|ipma| &ipma.item_properties)
        .filter(|entry| Some(entry.item_id) == primary)
        .take(1)
        .flat_map(|entry| &entry.associations)
        .filter_map(|link| {
            usize::from(link.property_index)
                .checked_sub(1)
                .and_then(|i| properties.get(i))
        })
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

fn ipco(input: &mut Input<'_>, ipco: &BoxHeader) -> Result<Vec<Property>, ProbeError> {
    let mut properties = Vec::new();
    let mut children = Children::of(ipco);
    while let Some(child) = children.next(input)? {
        if properties.len() >= MAX_PROPERTIES {
            break;
        }
        let property = match &child.kind {
            b"ispe" => {
                let Ispe { width, height } = decode(input, &child)?;
                Property::Size(width, height)
            }
            b"irot" => {
                let Irot { angle } = decode(input, &child)?;
                if angle & 1 == 1 {
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

fn largest(properties: &[Property]) -> Option<(u32, u32)> {
    properties
        .iter()
        .filter_map(|p| match p {
            Property::Size(w, h) => Some((*w, *h)),
            _ => None,
        })
        .max_by_key(|(w, h)| u64::from(*w) * u64::from(*h))
}
