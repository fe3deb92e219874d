-- Recruitment events travel to peers: organising one and changing what people see of it (its
-- title, text, place, times, places, whether booths are open, its cancellation) writes an
-- outbox row of kind 'event' in the same transaction. Its version is the row's own number, so
-- every change is newer than the last. Registrations and bookings never travel.
CREATE FUNCTION federation_outbox_event() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM federation_outbox_append('event', NEW.id, NULL);
    RETURN NULL;
END
$$;

CREATE TRIGGER federation_outbox_event AFTER INSERT OR UPDATE OF title, description, venue, online,
    stream_url, starts_at, ends_at, places, booths_open, cancelled_at ON events
FOR EACH ROW EXECUTE FUNCTION federation_outbox_event();
