//! The central store's time as this desk last read it, from the `Date` of its answers (issue 21
//! item 7): a PC whose clock is hours off would promise wrong delivery dates and stamp wrong times.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

/// Off by more than this, staff are told (issue 21).
pub const CLOCK_WARNING: Duration = Duration::minutes(2);
/// A reading older than this says nothing about now: the desk has been offline since.
const FRESH: Duration = Duration::seconds(90);
/// `Date` has whole seconds and the answer takes a while to arrive: a smaller difference is the
/// measurement's own error, and the desk's clock is as good as the reading.
const RESOLUTION: Duration = Duration::seconds(3);

/// How far the central store's clock was ahead of this desk's at a moment (negative: behind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockReading {
    pub offset: Duration,
    /// When it was read, in the central store's time.
    pub central_at: DateTime<Utc>,
}

impl ClockReading {
    /// The reading from an answer's `Date` that arrived at `local`.
    pub fn new(central: DateTime<Utc>, local: DateTime<Utc>) -> ClockReading {
        ClockReading {
            offset: central - local,
            central_at: central,
        }
    }

    /// The offset in use for a time `stamp` in the central store's time: while the reading is
    /// fresh and measurably off.
    fn offset_of(&self, stamp: DateTime<Utc>) -> Option<Duration> {
        let fresh = (stamp - self.central_at).abs() <= FRESH;
        (fresh && self.offset.abs() >= RESOLUTION).then_some(self.offset)
    }

    /// The desk's clock is off by enough to tell staff.
    pub fn is_wrong(&self) -> bool {
        self.offset.abs() > CLOCK_WARNING
    }
}

/// Shared by the sync loop (which reads the central store's time from every answer) and the desk
/// (which stamps orders and promises with it). Cloning shares the reading.
#[derive(Debug, Clone, Default)]
pub struct CentralClock {
    reading: Arc<Mutex<Option<ClockReading>>>,
}

impl CentralClock {
    pub fn observe(&self, reading: ClockReading) {
        if let Ok(mut r) = self.reading.lock() {
            *r = Some(reading);
        }
    }

    pub fn reading(&self) -> Option<ClockReading> {
        self.reading.lock().ok().and_then(|r| *r)
    }

    /// The time to use for `local` (the PC's clock): the central store's when the desk is online
    /// (a fresh reading) and its clock is measurably off, otherwise `local`.
    pub fn now(&self, local: DateTime<Utc>) -> DateTime<Utc> {
        match self.in_use(local) {
            Some(offset) => local + offset,
            None => local,
        }
    }

    /// The offset [`CentralClock::now`] adds at `local`, if any.
    pub fn in_use(&self, local: DateTime<Utc>) -> Option<Duration> {
        self.reading().and_then(|r| r.offset_of(local + r.offset))
    }

    /// The offset that [`CentralClock::now`] added to give `stamp`, if any: what an order stamped
    /// `stamp` records (the central store flags the ones stamped by a wrong clock).
    pub fn offset_of(&self, stamp: DateTime<Utc>) -> Option<Duration> {
        self.reading().and_then(|r| r.offset_of(stamp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_clock_three_hours_slow_gets_the_central_time_while_the_reading_is_fresh() {
        let clock = CentralClock::default();
        let local = at("2026-12-04T07:00:00Z");
        assert_eq!(clock.now(local), local, "no reading: the PC's clock");
        let reading = ClockReading::new(at("2026-12-04T10:00:00Z"), local);
        assert!(reading.is_wrong());
        clock.observe(reading);
        let stamp = clock.now(at("2026-12-04T07:00:30Z"));
        assert_eq!(stamp, at("2026-12-04T10:00:30Z"));
        assert_eq!(
            clock.offset_of(stamp),
            Some(Duration::hours(3)),
            "the order records it"
        );
        // Offline for ten minutes: the desk no longer knows, and says what its own clock says.
        let later = at("2026-12-04T07:10:00Z");
        assert_eq!(clock.now(later), later);
        assert_eq!(clock.in_use(later), None);
        assert_eq!(clock.offset_of(later), None);
    }

    #[test]
    fn a_second_off_is_the_measurement_not_the_clock() {
        let clock = CentralClock::default();
        let local = at("2026-12-04T07:00:00.800Z");
        let reading = ClockReading::new(at("2026-12-04T07:00:00Z"), local);
        assert!(!reading.is_wrong());
        clock.observe(reading);
        assert_eq!(clock.now(local), local);
        let two_min = ClockReading::new(at("2026-12-04T07:02:01Z"), at("2026-12-04T07:00:00Z"));
        assert!(two_min.is_wrong());
        let under = ClockReading::new(at("2026-12-04T07:01:59Z"), at("2026-12-04T07:00:00Z"));
        assert!(!under.is_wrong());
    }
}
