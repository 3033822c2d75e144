// Send a message
ws.send(JSON.stringify({
  type: 'message',
  id: 'msg-001',
  payload: {
    message: 'What is the weather like today?',
    context: { location: 'New York' }
  }
}));
