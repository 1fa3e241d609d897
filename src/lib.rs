pub mod calendar;
pub mod checks;
pub mod cli;
pub mod model;
pub mod render;
pub mod rubric;
pub mod scoring;
