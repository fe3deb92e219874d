-- Recruitment events travel to peers: organising one and changing what people see of it (its
-- title, text, place, times, places, whether booths are open, its cancellation) writes an
-- outbox row of kind 'event' in the same transaction. Its version is the row's own number, so
-- every change is newer than the last. Registrations and bookings never travel.
CREATE TRIGGER federation_outbox_event_added AFTER INSERT ON events
BEGIN
    UPDATE federation_outbox_counter SET last = last + 1 WHERE id = 1;
    INSERT INTO federation_outbox (seq, kind, record, version)
    SELECT last, 'event', NEW.id, last FROM federation_outbox_counter WHERE id = 1;
END;

CREATE TRIGGER federation_outbox_event_changed AFTER UPDATE OF title, description, venue, online,
    stream_url, starts_at, ends_at, places, booths_open, cancelled_at ON events
BEGIN
    UPDATE federation_outbox_counter SET last = last + 1 WHERE id = 1;
    INSERT INTO federation_outbox (seq, kind, record, version)
    SELECT last, 'event', NEW.id, last FROM federation_outbox_counter WHERE id = 1;
END;
