//! Copied from <https://github.com/hyperium/h2>
//! Copyright (c) 2017 h2 authors, licensed under MIT license.
//! See https://github.com/hyperium/h2/blob/master/LICENSE for details.

mod decoder;
mod encoder;
mod header;
mod table;

pub(super) mod huffman;

pub use self::decoder::Decoder;
pub(crate) use self::decoder::DecoderError;
pub use self::encoder::Encoder;
pub use self::header::Header;
