//! Rendering shared by the pages: the page frame and templates, downloads, charts drawn as SVG
//! on the server.

pub mod charts;
pub mod download;
pub mod names;
pub mod nav;
pub mod page;
pub mod pickers;
pub mod text;
pub mod time;
