DROP TABLE display_messages;
