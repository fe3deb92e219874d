//! Rendering shared by the pages: charts drawn as SVG on the server.

pub mod charts;
